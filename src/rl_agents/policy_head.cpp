#include "rl_agents/policy_head.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kestrel::rl {

std::int64_t PolicyHead::outputs() const {
  return static_cast<std::int64_t>(space_.kind == ActionSpace::Kind::Discrete ? space_.actions : space_.dims);
}

torch::Tensor PolicyHead::log_prob(const torch::Tensor& out, const torch::Tensor& log_std,
                                   const torch::Tensor& actions) const {
  if (space_.kind == ActionSpace::Kind::Discrete) {
    const auto index = actions.to(torch::kLong).view({-1, 1});
    return torch::log_softmax(out, 1).gather(1, index).squeeze(1);
  }
  const auto var = torch::exp(2 * log_std);
  const double log_root_two_pi = 0.5 * std::log(2 * std::numbers::pi);
  return (-(actions - out).pow(2) / (2 * var) - log_std - log_root_two_pi).sum(1);
}

torch::Tensor PolicyHead::entropy(const torch::Tensor& out, const torch::Tensor& log_std) const {
  if (space_.kind == ActionSpace::Kind::Discrete) {
    const auto log_p = torch::log_softmax(out, 1);
    return -(log_p.exp() * log_p).sum(1);
  }
  const double constant = 0.5 + 0.5 * std::log(2 * std::numbers::pi);
  return (log_std + constant).sum().expand({out.size(0)});
}

void PolicyHead::choose(const torch::Tensor& out, const torch::Tensor& log_std, bool deterministic, core::Rng& rng,
                        std::span<float> actions) const {
  const std::int64_t rows = out.size(0);
  if (space_.kind == ActionSpace::Kind::Discrete) {
    const auto probs = torch::softmax(out, 1).contiguous();
    const float* p = probs.data_ptr<float>();
    const std::int64_t n = out.size(1);
    for (std::int64_t r = 0; r < rows; ++r) {
      const float* row = p + r * n;
      std::int64_t chosen = 0;
      if (deterministic) {
        chosen = std::max_element(row, row + n) - row;
      } else {
        const double u = rng.uniform();
        double cumulative = 0;
        chosen = n - 1;  // rounding leaves the sum a hair under 1: the last action takes the rest
        for (std::int64_t a = 0; a < n; ++a) {
          cumulative += row[a];
          if (u < cumulative) {
            chosen = a;
            break;
          }
        }
      }
      actions[static_cast<std::size_t>(r)] = static_cast<float>(chosen);
    }
    return;
  }
  const auto mean = out.contiguous();
  const auto std_dev = torch::exp(log_std).contiguous();
  const float* m = mean.data_ptr<float>();
  const float* s = std_dev.data_ptr<float>();
  const std::int64_t dims = out.size(1);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t d = 0; d < dims; ++d) {
      const float noise = deterministic ? 0.0f : static_cast<float>(rng.normal());
      actions[static_cast<std::size_t>(r * dims + d)] = m[r * dims + d] + s[d] * noise;
    }
  }
}

void PolicyHead::clip_to_bounds(std::span<float> actions) const {
  if (space_.kind != ActionSpace::Kind::Box) return;
  for (float& a : actions) a = std::clamp(a, space_.low, space_.high);
}

}  // namespace kestrel::rl
