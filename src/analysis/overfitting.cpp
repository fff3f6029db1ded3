#include "analysis/overfitting.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <limits>
#include <numeric>

#include "analysis/normal_distribution.hpp"
#include "analysis/sample_moments.hpp"

namespace kestrel::analysis {
namespace {

// P[true SR > benchmark] given an observed per-period SR over n observations.
double probabilistic_sharpe(double sharpe, double benchmark, double n, double skew, double kurt) {
  const double denominator = 1 - skew * sharpe + (kurt - 1) / 4 * sharpe * sharpe;
  if (denominator <= 0 || n < 2) return std::numeric_limits<double>::quiet_NaN();
  return normal_cdf((sharpe - benchmark) * std::sqrt(n - 1) / std::sqrt(denominator));
}

}  // namespace

core::Result<DeflatedSharpe> deflated_sharpe_ratio(std::span<const double> selected,
                                                   std::span<const double> trial_sharpes) {
  if (selected.size() < 3) return core::fail("deflated Sharpe: need at least 3 returns, got {}", selected.size());
  if (trial_sharpes.size() < 2) return core::fail("deflated Sharpe: need at least 2 trials, got {}", trial_sharpes.size());
  const SampleMoments m = sample_moments(selected);
  if (m.stdev == 0) return core::fail("deflated Sharpe: the selected run's returns have zero variance");
  DeflatedSharpe out;
  out.sharpe = m.mean / m.stdev;
  out.skewness = m.skewness;
  out.kurtosis = m.kurtosis;
  out.observations = selected.size();
  out.trials = trial_sharpes.size();
  const SampleMoments trials = sample_moments(trial_sharpes);
  const double n_trials = static_cast<double>(trial_sharpes.size());
  constexpr double kEulerGamma = 0.5772156649015329;
  out.expected_max_sharpe = trials.stdev * ((1 - kEulerGamma) * normal_quantile(1 - 1 / n_trials) +
                                            kEulerGamma * normal_quantile(1 - 1 / (n_trials * std::numbers::e)));
  const double n = static_cast<double>(selected.size());
  out.deflated_sharpe = probabilistic_sharpe(out.sharpe, out.expected_max_sharpe, n, m.skewness, m.kurtosis);
  out.probabilistic_sharpe = probabilistic_sharpe(out.sharpe, 0.0, n, m.skewness, m.kurtosis);
  return out;
}

core::Result<OverfittingProbability> probability_of_backtest_overfitting(
    const std::vector<std::vector<double>>& returns, std::size_t partitions) {
  const std::size_t runs = returns.size();
  if (runs < 2) return core::fail("PBO: need at least 2 runs, got {}", runs);
  if (partitions < 2 || partitions % 2 != 0 || partitions > 24) {
    return core::fail("PBO: partitions must be even and in [2, 24], got {}", partitions);
  }
  const std::size_t days = returns[0].size();
  for (const auto& r : returns) {
    if (r.size() != days) return core::fail("PBO: all runs need the same number of days");
  }
  if (days < partitions * 2) return core::fail("PBO: {} days is too few for {} partitions", days, partitions);

  // Sufficient statistics per (block, run): count, sum, sum of squares.
  struct Block {
    double n = 0, sum = 0, sum_sq = 0;
  };
  std::vector<Block> blocks(partitions * runs);
  for (std::size_t b = 0; b < partitions; ++b) {
    const std::size_t from = b * days / partitions, to = (b + 1) * days / partitions;
    for (std::size_t r = 0; r < runs; ++r) {
      Block& k = blocks[b * runs + r];
      for (std::size_t t = from; t < to; ++t) {
        const double v = returns[r][t];
        k.n += 1;
        k.sum += v;
        k.sum_sq += v * v;
      }
    }
  }
  auto sharpe = [](const Block& k) {
    const double mean = k.sum / k.n;
    const double var = (k.sum_sq - k.n * mean * mean) / (k.n - 1);
    return var > 0 ? mean / std::sqrt(var) : 0.0;
  };

  OverfittingProbability out;
  std::vector<bool> in_sample(partitions, false);
  std::fill(in_sample.begin(), in_sample.begin() + static_cast<long>(partitions / 2), true);
  std::vector<double> is_best, oos_best;
  std::size_t below_median = 0, losses = 0;
  // Every way to choose half the blocks as in-sample (lexicographic via prev_permutation).
  do {
    std::vector<double> is_sharpe(runs), oos_sharpe(runs);
    for (std::size_t r = 0; r < runs; ++r) {
      Block is, oos;
      for (std::size_t b = 0; b < partitions; ++b) {
        const Block& k = blocks[b * runs + r];
        Block& target = in_sample[b] ? is : oos;
        target.n += k.n;
        target.sum += k.sum;
        target.sum_sq += k.sum_sq;
      }
      is_sharpe[r] = sharpe(is);
      oos_sharpe[r] = sharpe(oos);
    }
    const auto best = static_cast<std::size_t>(
        std::max_element(is_sharpe.begin(), is_sharpe.end()) - is_sharpe.begin());
    // Relative rank of the IS winner out of sample, in (0, 1): ties count half.
    double rank = 0;
    for (std::size_t r = 0; r < runs; ++r) {
      if (oos_sharpe[r] < oos_sharpe[best]) rank += 1;
      else if (r != best && oos_sharpe[r] == oos_sharpe[best]) rank += 0.5;
    }
    const double omega = (rank + 1) / (static_cast<double>(runs) + 1);
    const double logit = std::log(omega / (1 - omega));
    out.logits.push_back(logit);
    below_median += logit <= 0;
    losses += oos_sharpe[best] < 0;
    is_best.push_back(is_sharpe[best]);
    oos_best.push_back(oos_sharpe[best]);
  } while (std::prev_permutation(in_sample.begin(), in_sample.end()));

  out.combinations = out.logits.size();
  out.pbo = static_cast<double>(below_median) / static_cast<double>(out.combinations);
  out.probability_of_loss = static_cast<double>(losses) / static_cast<double>(out.combinations);
  const double mx = std::accumulate(is_best.begin(), is_best.end(), 0.0) / static_cast<double>(is_best.size());
  const double my = std::accumulate(oos_best.begin(), oos_best.end(), 0.0) / static_cast<double>(oos_best.size());
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < is_best.size(); ++i) {
    sxy += (is_best[i] - mx) * (oos_best[i] - my);
    sxx += (is_best[i] - mx) * (is_best[i] - mx);
  }
  out.degradation_slope = sxx > 0 ? sxy / sxx : 0;
  return out;
}

}  // namespace kestrel::analysis
