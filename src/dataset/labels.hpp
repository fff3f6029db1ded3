#pragma once
// Supervised targets computed from a Panel's adjusted close (split- and dividend-adjusted,
// so a label measures what a holder earned).
//
// Timing: the label stored at date index t looks FORWARD. With horizon k it uses the
// adjusted closes at t and t+k (panel date indices), i.e. the information of dates
// t+1 .. t+k. Features at t use data up to t's close, so a model "decides at t's close and
// is graded on t+1..t+k". Splits purge training samples whose window t+1..t+k reaches into a
// test window; `horizon` is recorded for exactly that.
//
// Missing values are NaN, never 0: the close at t or at t+k is missing (gap, delisting, or
// t+k past the panel's end), the sample falls inside the dead zone, or (cross-sectional
// label) too few tickers have a forward return that day.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::dataset {

enum class LabelKind : std::uint8_t {
  // 1 if the k-day forward return r > dead_zone, 0 if r < -dead_zone, NaN in between
  // (with dead_zone 0 only an exactly flat close is unlabeled). "Next-day direction" is k = 1.
  Direction,
  // r = adj_close[t+k] / adj_close[t] - 1, a regression target. No dead zone.
  ForwardReturn,
  // 1 if r beats the same-day median r of the universe by more than dead_zone, 0 if it
  // trails it by more than dead_zone, NaN in between: classes are balanced by construction.
  Outperformance,
  // 1 if r beats the benchmark's own k-day forward return (e.g. SPY's) by more than dead_zone,
  // 0 if it trails it by more, NaN in between or when the benchmark has no forward return:
  // "did holding this stock beat holding the index", which a market-wide move does not decide.
  ExcessOverBenchmark,
};
std::string_view to_string(LabelKind kind);

struct LabelOptions {
  LabelKind kind = LabelKind::Direction;
  std::size_t horizon = 1;  // k, in panel dates (trading days)
  double dead_zone = 0;     // on the return (Direction) or the excess return (Outperformance)
  // Outperformance only: dates with fewer tickers that have a forward return are unlabeled,
  // since a median of a handful of names says little about "the market".
  std::size_t min_cross_section = 5;
  // ExcessOverBenchmark only: the ticker whose forward return is the hurdle.
  std::string benchmark = "SPY";
  // Tickers of this sector (the index and its ETF in the universe file) are feature inputs,
  // not tradable names: they get no labels and stay out of the outperformance median.
  // Empty: label every ticker.
  std::string benchmark_sector = "Benchmark";
};

struct Labels {
  std::string name;  // e.g. "direction_1d", "fwd_return_5d", "outperform_1d", "excess_20d"
  LabelKind kind = LabelKind::Direction;
  std::size_t horizon = 1;  // label at t uses dates t+1 .. t+horizon
  std::vector<core::Date> dates;
  std::vector<std::string> tickers;
  std::vector<float> values;  // [ticker * num_dates + t]; NaN = unlabeled

  std::size_t num_dates() const { return dates.size(); }
  std::size_t num_tickers() const { return tickers.size(); }
  bool is_classification() const { return kind != LabelKind::ForwardReturn; }
  std::span<const float> series(std::size_t ticker) const {
    return {values.data() + ticker * num_dates(), num_dates()};
  }
  float at(std::size_t ticker, std::size_t t) const { return values[ticker * num_dates() + t]; }
};

// Fails on horizon 0, a negative dead zone, or a dead zone on ForwardReturn.
core::Result<Labels> make_labels(const store::Panel& panel, const LabelOptions& options);

}  // namespace kestrel::dataset
