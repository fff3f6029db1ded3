#include "analysis/monte_carlo.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>

#include "core/quantile.hpp"
#include "core/rng.hpp"

namespace kestrel::analysis {
namespace {

constexpr double kTradingDays = 252.0;

struct PathStats {
  double cagr = 0;
  double sharpe = 0;
  double max_drawdown = 0;
  double final_equity = 1;
  bool ruined = false;
};

// Walks one path of simple returns, writing its equity curve into `equity` (growth of 1).
PathStats walk(std::span<const double> returns, double ruin_level, std::span<double> equity) {
  PathStats s;
  double level = 1.0, peak = 1.0, sum = 0.0, sum_sq = 0.0;
  for (std::size_t i = 0; i < returns.size(); ++i) {
    const double r = returns[i];
    level *= 1.0 + r;
    sum += r;
    sum_sq += r * r;
    peak = std::max(peak, level);
    s.max_drawdown = std::max(s.max_drawdown, 1.0 - level / peak);
    if (level <= ruin_level) s.ruined = true;
    equity[i] = level;
  }
  const double n = static_cast<double>(returns.size());
  s.final_equity = level;
  s.cagr = level > 0 ? std::pow(level, kTradingDays / n) - 1.0 : -1.0;
  const double mean = sum / n;
  const double variance = n > 1 ? (sum_sq - n * mean * mean) / (n - 1) : 0.0;
  s.sharpe = variance > 0 ? mean / std::sqrt(variance) * std::sqrt(kTradingDays) : 0.0;
  return s;
}

// `values` holds one figure per path; check_options guarantees at least one path.
Distribution distribution(std::vector<double> values) {
  assert(!values.empty());
  Distribution d;
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  const std::span<double> all(values);
  d.p05 = core::linear_quantile(all, 0.05);
  d.p25 = core::linear_quantile(all, 0.25);
  d.p50 = core::linear_quantile(all, 0.50);
  d.p75 = core::linear_quantile(all, 0.75);
  d.p95 = core::linear_quantile(all, 0.95);
  return d;
}

// Runs `paths` paths of `steps` returns drawn by `draw(rng, out)` and summarises them.
template <class Draw>
MonteCarloResult simulate(int paths, int steps, const MonteCarloOptions& options, Draw draw) {
  const auto n_paths = static_cast<std::size_t>(paths);
  const auto n_steps = static_cast<std::size_t>(steps);
  std::vector<PathStats> stats(n_paths);
  // Equity of every path, path-major; 10k x 252 doubles = 20 MB, fine for the bands.
  std::vector<double> equity(n_paths * n_steps);
  tbb::parallel_for(std::size_t{0}, n_paths, [&](std::size_t p) {
    core::Rng rng = core::Rng::for_stream(options.seed, p);
    std::vector<double> returns(n_steps);
    draw(rng, std::span<double>(returns));
    stats[p] = walk(returns, 1.0 - options.ruin_threshold,
                    std::span<double>(equity.data() + p * n_steps, n_steps));
  });

  MonteCarloResult result;
  result.paths = paths;
  result.horizon_days = steps;
  std::vector<double> cagr, sharpe, drawdown, final_equity;
  std::size_t deep = 0, ruined = 0;
  for (const PathStats& s : stats) {
    cagr.push_back(s.cagr);
    sharpe.push_back(s.sharpe);
    drawdown.push_back(s.max_drawdown);
    final_equity.push_back(s.final_equity);
    deep += s.max_drawdown >= options.drawdown_threshold;
    ruined += s.ruined;
  }
  result.cagr = distribution(std::move(cagr));
  result.sharpe = distribution(std::move(sharpe));
  result.max_drawdown = distribution(std::move(drawdown));
  result.final_equity = distribution(std::move(final_equity));
  result.probability_drawdown_over_threshold = static_cast<double>(deep) / paths;
  result.probability_of_ruin = static_cast<double>(ruined) / paths;

  result.band_p05.resize(n_steps);
  result.band_p50.resize(n_steps);
  result.band_p95.resize(n_steps);
  tbb::parallel_for(std::size_t{0}, n_steps, [&](std::size_t t) {
    std::vector<double> column(n_paths);
    for (std::size_t p = 0; p < n_paths; ++p) column[p] = equity[p * n_steps + t];
    result.band_p05[t] = core::linear_quantile(std::span<double>(column), 0.05);
    result.band_p50[t] = core::linear_quantile(std::span<double>(column), 0.50);
    result.band_p95[t] = core::linear_quantile(std::span<double>(column), 0.95);
  });
  return result;
}

core::Status check_options(const MonteCarloOptions& o) {
  if (o.paths < 1) return core::fail("Monte Carlo: paths must be >= 1 (got {})", o.paths);
  if (o.horizon_days < 1) return core::fail("Monte Carlo: horizon_days must be >= 1 (got {})", o.horizon_days);
  if (!(o.mean_block_length >= 1)) return core::fail("Monte Carlo: mean_block_length must be >= 1 (got {})", o.mean_block_length);
  if (!(o.ruin_threshold > 0 && o.ruin_threshold <= 1)) return core::fail("Monte Carlo: ruin_threshold must be in (0, 1] (got {})", o.ruin_threshold);
  return {};
}

}  // namespace

core::Result<MonteCarloResult> bootstrap_daily_returns(std::span<const double> daily_returns,
                                                       const MonteCarloOptions& options) {
  if (auto s = check_options(options); !s) return std::unexpected(s.error());
  std::vector<double> sample;
  for (double r : daily_returns) {
    if (std::isfinite(r)) sample.push_back(r);
  }
  if (sample.size() < 20) {
    return core::fail("Monte Carlo bootstrap needs at least 20 daily returns, got {}", sample.size());
  }
  const double restart = 1.0 / options.mean_block_length;
  return simulate(options.paths, options.horizon_days, options, [&](core::Rng& rng, std::span<double> out) {
    std::size_t index = rng.below(sample.size());
    for (double& r : out) {
      r = sample[index];
      // Stationary bootstrap: continue the block with probability 1 - 1/L (wrapping
      // around the end), else jump to a new random start.
      index = rng.uniform() < restart ? rng.below(sample.size()) : (index + 1) % sample.size();
    }
  });
}

core::Result<MonteCarloResult> reshuffle_trades(std::span<const double> trade_returns,
                                                const MonteCarloOptions& options) {
  if (auto s = check_options(options); !s) return std::unexpected(s.error());
  std::vector<double> trades;
  for (double r : trade_returns) {
    if (std::isfinite(r)) trades.push_back(r);
  }
  if (trades.size() < 2) return core::fail("trade reshuffling needs at least 2 trades, got {}", trades.size());
  auto result = simulate(options.paths, static_cast<int>(trades.size()), options,
                         [&](core::Rng& rng, std::span<double> out) {
                           std::copy(trades.begin(), trades.end(), out.begin());
                           // Fisher–Yates with our deterministic generator.
                           for (std::size_t i = out.size() - 1; i > 0; --i) {
                             std::swap(out[i], out[rng.below(i + 1)]);
                           }
                         });
  result.cagr = {};
  result.sharpe = {};
  return result;
}

}  // namespace kestrel::analysis
