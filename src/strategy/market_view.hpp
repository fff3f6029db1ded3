#pragma once
// What a strategy (and the simulated venue) may see on day t: the bars of every instrument up
// to and including t, never later. There is deliberately no way from here to the panel itself
// (which holds the future); while a session runs the kernel keeps the view at the day before. Prices are split- and dividend-adjusted by default (so a
// split day is continuous and dividends are reinvested, i.e. total return); the as-traded
// values stay available through raw(). All accessors are inline reads of the panel's
// contiguous per-ticker arrays: this sits in the innermost loop of every backtest.
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "store/panel.hpp"

namespace kestrel::strategy {

using InstrumentId = std::uint32_t;

class MarketView {
 public:
  MarketView(const store::Panel& panel, std::size_t t)
      : panel_(&panel),
        t_(t),
        stride_(panel.column_stride()),
        open_(base(panel, store::Field::Open)),
        high_(base(panel, store::Field::High)),
        low_(base(panel, store::Field::Low)),
        close_(base(panel, store::Field::Close)),
        adj_close_(base(panel, store::Field::AdjClose)),
        volume_(base(panel, store::Field::Volume)) {}

  // The last completed day the view shows (meaningless while before_first()).
  std::size_t today() const { return t_; }
  core::Date date() const { return panel_->dates()[t_]; }
  std::size_t num_instruments() const { return panel_->num_tickers(); }
  const std::vector<std::string>& tickers() const { return panel_->tickers(); }
  const std::vector<std::string>& sectors() const { return panel_->sectors(); }
  // Moves the view to another day (the kernel reuses one view for the whole run).
  void set_today(std::size_t t) {
    t_ = t;
    before_first_ = false;
  }
  // Nothing is known yet (the session of the panel's first date is running): no bars.
  void set_before_first() {
    t_ = 0;
    before_first_ = true;
  }
  bool before_first() const { return before_first_; }

  bool has_bar(InstrumentId i) const { return !before_first_ && !std::isnan(close_[at(i)]); }
  // Adjusted close = adj_close; adjusted open/high/low = raw × adj_close / close.
  double close(InstrumentId i) const { return adj_close_[at(i)]; }
  double factor(InstrumentId i) const { return adj_close_[at(i)] / close_[at(i)]; }
  double open(InstrumentId i) const { return open_[at(i)] * factor(i); }
  double high(InstrumentId i) const { return high_[at(i)] * factor(i); }
  double low(InstrumentId i) const { return low_[at(i)] * factor(i); }
  // As-traded shares.
  double volume(InstrumentId i) const { return volume_[at(i)]; }
  // As traded (not adjusted) value of any field (NaN before the first day).
  double raw(store::Field field, InstrumentId i) const {
    return before_first_ ? std::numeric_limits<double>::quiet_NaN() : panel_->value(field, i, t_);
  }
  // Adjusted close `days_ago` panel dates before today; NaN before the first date.
  double close_ago(InstrumentId i, std::size_t days_ago) const {
    return days_ago <= t_ && !before_first_ ? adj_close_[i * stride_ + t_ - days_ago]
                                            : std::numeric_limits<double>::quiet_NaN();
  }
  // The last `lookback` adjusted closes ending today (fewer near the start).
  std::span<const double> close_history(InstrumentId i, std::size_t lookback) const {
    if (before_first_) return {};
    const std::size_t end = t_ + 1;
    const std::size_t begin = lookback < end ? end - lookback : 0;
    return {adj_close_ + i * stride_ + begin, end - begin};
  }
  // The last `lookback` as-traded volumes ending today.
  std::span<const double> volume_history(InstrumentId i, std::size_t lookback) const {
    if (before_first_) return {};
    const std::size_t end = t_ + 1;
    const std::size_t begin = lookback < end ? end - lookback : 0;
    return {volume_ + i * stride_ + begin, end - begin};
  }

 private:
  static const double* base(const store::Panel& panel, store::Field field) {
    return panel.num_tickers() > 0 ? panel.series(field, 0).data() : nullptr;
  }
  std::size_t at(InstrumentId i) const { return i * stride_ + t_; }

  const store::Panel* panel_;
  std::size_t t_;
  bool before_first_ = false;
  std::size_t stride_;
  const double* open_;
  const double* high_;
  const double* low_;
  const double* close_;
  const double* adj_close_;
  const double* volume_;
};

}  // namespace kestrel::strategy
