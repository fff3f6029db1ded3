#pragma once
// The action distribution of a policy network's output, for both kinds of action space:
// a categorical over logits (Discrete) or a diagonal Gaussian around a mean with a learned
// log σ (Box). Sampling draws from the caller's core::Rng (so an agent's randomness is one
// checkpointable stream); probabilities and entropies are LibTorch expressions for the loss.
#include <span>

#include <torch/torch.h>

#include "core/rng.hpp"
#include "rl/vector_env.hpp"

namespace kestrel::rl {

class PolicyHead {
 public:
  explicit PolicyHead(ActionSpace space) : space_(space) {}
  // out: [B × outputs] from the policy network; actions: [B × width]. log_std: Box only.
  torch::Tensor log_prob(const torch::Tensor& out, const torch::Tensor& log_std, const torch::Tensor& actions) const;
  torch::Tensor entropy(const torch::Tensor& out, const torch::Tensor& log_std) const;  // [B]
  // Writes [B × width] actions: samples, or the mode when deterministic. Box samples are not
  // clipped here (the log-probability is of the sample); `clip_to_bounds` does that for the env.
  void choose(const torch::Tensor& out, const torch::Tensor& log_std, bool deterministic, core::Rng& rng,
              std::span<float> actions) const;
  void clip_to_bounds(std::span<float> actions) const;
  std::int64_t outputs() const;  // width of the policy network's output

 private:
  ActionSpace space_;
};

}  // namespace kestrel::rl
