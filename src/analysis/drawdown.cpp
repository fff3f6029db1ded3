#include "analysis/drawdown.hpp"

#include <cmath>

namespace kestrel::analysis {
namespace {

std::vector<double> wealth_levels(std::span<const double> returns) {
  std::vector<double> levels;
  levels.reserve(returns.size() + 1);
  double wealth = 1.0;
  levels.push_back(wealth);
  for (double r : returns) {
    if (!std::isnan(r)) wealth *= 1.0 + r;
    levels.push_back(wealth);
  }
  return levels;
}

}  // namespace

std::vector<double> drawdown_series(std::span<const double> returns) {
  const auto levels = wealth_levels(returns);
  std::vector<double> out;
  out.reserve(levels.size());
  double peak = levels.front();
  for (double level : levels) {
    if (level > peak) peak = level;
    out.push_back((level - peak) / peak);
  }
  return out;
}

std::vector<DrawdownPeriod> drawdown_periods(std::span<const double> returns) {
  const auto levels = wealth_levels(returns);
  std::vector<DrawdownPeriod> periods;
  std::size_t peak = 0;
  std::optional<DrawdownPeriod> open;
  for (std::size_t k = 1; k < levels.size(); ++k) {
    if (levels[k] >= levels[peak]) {
      if (open) {
        open->recovery = k;
        open->duration = k - open->peak;
        periods.push_back(*open);
        open.reset();
      }
      peak = k;
      continue;
    }
    if (!open) open = DrawdownPeriod{.peak = peak, .trough = k, .recovery = std::nullopt, .depth = 0, .duration = 0};
    if (levels[k] < levels[open->trough]) open->trough = k;
    open->depth = (levels[open->trough] - levels[peak]) / levels[peak];
  }
  if (open) {
    open->duration = levels.size() - 1 - open->peak;
    periods.push_back(*open);
  }
  return periods;
}

DrawdownSummary summarize_drawdowns(std::span<const DrawdownPeriod> periods) {
  DrawdownSummary summary;
  for (const auto& period : periods) {
    if (!summary.deepest || period.depth < summary.deepest->depth) summary.deepest = period;
    if (!summary.longest || period.duration > summary.longest->duration) summary.longest = period;
  }
  return summary;
}

}  // namespace kestrel::analysis
