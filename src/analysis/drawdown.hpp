#pragma once
// Drawdowns of a daily return series, on "levels": level 0 is the wealth before the first
// return and level k the wealth after return k-1, so levels line up with an equity curve
// whose first point is the starting capital. NaN returns count as flat days.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace kestrel::analysis {

// One stretch under water: from a high-water mark until wealth first gets back to it.
struct DrawdownPeriod {
  std::size_t peak = 0;                 // level of the high-water mark
  std::size_t trough = 0;               // lowest level before recovery (earliest if tied)
  std::optional<std::size_t> recovery;  // first level back at the peak; none if still under
  double depth = 0;                     // (trough - peak) / peak, negative
  std::size_t duration = 0;             // levels from peak to recovery, or to the last level
};

struct DrawdownSummary {
  std::optional<DrawdownPeriod> deepest;  // holds the max drawdown (earliest if tied)
  std::optional<DrawdownPeriod> longest;  // longest under water (earliest if tied)
};

// (wealth - running peak) / running peak for every level (returns.size() + 1 values).
std::vector<double> drawdown_series(std::span<const double> returns);

// Every drawdown period in order; the last may be unrecovered.
std::vector<DrawdownPeriod> drawdown_periods(std::span<const double> returns);

DrawdownSummary summarize_drawdowns(std::span<const DrawdownPeriod> periods);

}  // namespace kestrel::analysis
