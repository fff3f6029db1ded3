#pragma once
// The time-series features of one ticker: its bars are taken out of the panel (dates where it
// has no bar dropped), cut into runs at gaps longer than the bridging limit, and every
// TimeSeries feature of the registry is computed run by run. A run restarts every warm-up,
// so no window ever spans a long gap, and a value on a bar uses only that bar and earlier ones.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "core/date.hpp"
#include "store/panel.hpp"

namespace kestrel::features {

// One ticker's bars with adjusted prices (Panel::adjusted), compressed to the dates on which
// it has a complete bar.
struct TickerBars {
  std::vector<std::size_t> date_index;  // panel date of each bar, ascending
  std::vector<double> open, high, low, close, volume;
  std::vector<double> benchmark_close;  // the benchmark's adjusted close on the same dates, NaN if absent
  // log(benchmark_close[k] / benchmark_close[k - 1]), the benchmark's return since the previous
  // bar; NaN for the first bar.
  std::vector<double> benchmark_log_return;

  std::size_t size() const { return date_index.size(); }
};

// The benchmark's adjusted close on every panel date and its log return from the date before,
// worked out once for every ticker (most bars follow the previous one by a day and take this
// return as it is). NaN where the benchmark has no usable bar, and everywhere without one.
struct BenchmarkSeries {
  std::vector<double> close;
  std::vector<double> log_return;  // log(close[t] / close[t - 1]); NaN for t = 0

  BenchmarkSeries(const store::Panel& panel, std::optional<std::size_t> benchmark);
};

// A bar is complete when its adjusted open, high, low and close are positive and finite and
// its volume is finite and not negative; other dates are missing.
TickerBars extract_bars(const store::Panel& panel, std::size_t ticker, const BenchmarkSeries& benchmark);

// Each panel date's weekday (0 = Monday) and month (1-12), worked out once for every ticker.
struct PanelCalendar {
  std::vector<double> weekday;
  std::vector<double> month;

  explicit PanelCalendar(std::span<const core::Date> dates);
};

// Writes every TimeSeries feature into out[f * bars.size() + k] for bar k (other rows are left
// untouched). Runs break where more than `max_gap` consecutive panel dates are missing.
void compute_time_series(const TickerBars& bars, const PanelCalendar& calendar, std::size_t max_gap,
                         std::span<double> out);

}  // namespace kestrel::features
