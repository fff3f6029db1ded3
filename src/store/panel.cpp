#include "store/panel.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <memory>

#include <tbb/parallel_for.h>

namespace kestrel::store {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The storage of a panel built in memory; a snapshot's memory map plays this role for a
// loaded one. Held through Panel::mapping_, so the arrays never move once pointed to.
struct OwnedArrays {
  std::vector<core::Date> dates;
  std::unique_ptr<double[]> values;
};

// The sorted union of all bar dates. Dates are day numbers, so marking them in a table over
// the day range and reading the table back replaces sorting millions of dates. The table is
// one byte per day: 3.7 MB at most for dates in years 0-9999, the range Date::parse accepts.
std::vector<core::Date> date_union(const std::vector<TickerSeries>& series) {
  std::int32_t first = std::numeric_limits<std::int32_t>::max();
  std::int32_t last = std::numeric_limits<std::int32_t>::min();
  for (const TickerSeries& s : series) {
    for (const Bar& bar : s.bars) {
      first = std::min(first, bar.date.days());
      last = std::max(last, bar.date.days());
    }
  }
  if (first > last) return {};
  std::vector<std::uint8_t> present(static_cast<std::size_t>(static_cast<std::int64_t>(last) - first) + 1, 0);
  for (const TickerSeries& s : series) {
    for (const Bar& bar : s.bars) present[static_cast<std::size_t>(bar.date.days() - first)] = 1;
  }
  std::vector<core::Date> dates;
  for (std::size_t d = 0; d < present.size(); ++d) {
    if (present[d] != 0) dates.push_back(core::Date::from_days(static_cast<std::int32_t>(first + static_cast<std::int64_t>(d))));
  }
  return dates;
}

std::size_t field_offset(Field field, std::size_t ticker, std::size_t num_tickers, std::size_t num_dates) {
  return (static_cast<std::size_t>(field) * num_tickers + ticker) * num_dates;
}

// Fills one ticker's columns. `dates` is the panel's sorted date axis, which contains every
// bar date of this ticker, so a single forward merge places each bar.
void fill_ticker(const TickerSeries& s, std::span<const core::Date> dates, std::size_t ticker,
                 std::size_t num_tickers, double* values) {
  const std::size_t n = dates.size();
  auto column = [&](Field f) { return values + field_offset(f, ticker, num_tickers, n); };
  double* open = column(Field::Open);
  double* high = column(Field::High);
  double* low = column(Field::Low);
  double* close = column(Field::Close);
  double* adj_close = column(Field::AdjClose);
  double* volume = column(Field::Volume);
  double* split_factor = column(Field::SplitFactor);
  double* dividend = column(Field::Dividend);

  std::size_t t = 0;
  for (const Bar& bar : s.bars) {
    while (dates[t] < bar.date) ++t;
    assert(dates[t] == bar.date && "TickerSeries::bars must be in ascending date order");
    open[t] = bar.open;
    high[t] = bar.high;
    low[t] = bar.low;
    close[t] = bar.close;
    adj_close[t] = bar.adj_close;
    volume[t] = bar.volume;
    dividend[t] = 0;
  }

  // Dividends land on their ex-date. If the ticker has no bar that day (a gap in the
  // source), the cash goes to its next bar rather than being dropped, so summing the column
  // still gives every dividend paid; one after the last bar has no day to land on.
  t = 0;
  for (const CorporateAction& a : s.actions) {
    if (a.dividend == 0) continue;
    while (t < n && (dates[t] < a.date || std::isnan(close[t]))) ++t;
    if (t == n) break;
    dividend[t] += a.dividend;
  }

  // SplitFactor(t) = product of the coefficients of splits dated after t: walk backwards,
  // folding in each split once the walk passes its date.
  double factor = 1;
  auto split = s.actions.rbegin();
  for (std::size_t i = n; i-- > 0;) {
    for (; split != s.actions.rend() && split->date > dates[i]; ++split) factor *= split->split_coefficient;
    if (!std::isnan(close[i])) split_factor[i] = factor;
  }
}

}  // namespace

std::string_view to_string(Field field) {
  switch (field) {
    case Field::Open: return "open";
    case Field::High: return "high";
    case Field::Low: return "low";
    case Field::Close: return "close";
    case Field::AdjClose: return "adj_close";
    case Field::Volume: return "volume";
    case Field::SplitFactor: return "split_factor";
    case Field::Dividend: return "dividend";
  }
  return "unknown";
}

Panel Panel::build(const std::vector<TickerSeries>& series) {
  auto arrays = std::make_shared<OwnedArrays>();
  arrays->dates = date_union(series);
  const std::size_t num_dates = arrays->dates.size();
  arrays->values.reset(new double[kFieldCount * series.size() * num_dates]);  // left uninitialised
  // One task per ticker writes all of that ticker's columns, NaN first: the pages of a
  // ticker's columns are first touched (faulted in) by the thread that fills them, in
  // parallel, instead of by one serial NaN fill of the whole array.
  tbb::parallel_for(std::size_t{0}, series.size(), [&](std::size_t i) {
    for (std::size_t f = 0; f < kFieldCount; ++f) {
      double* column = arrays->values.get() + field_offset(static_cast<Field>(f), i, series.size(), num_dates);
      std::fill(column, column + num_dates, kNaN);
    }
    fill_ticker(series[i], arrays->dates, i, series.size(), arrays->values.get());
  });

  Panel panel;
  panel.num_dates_ = num_dates;
  panel.stride_ = num_dates;
  panel.dates_ = arrays->dates.data();
  panel.values_ = arrays->values.get();
  panel.mapping_ = std::move(arrays);
  panel.tickers_.reserve(series.size());
  panel.sectors_.reserve(series.size());
  for (const TickerSeries& s : series) {
    panel.tickers_.push_back(s.symbol);
    panel.sectors_.push_back(s.sector);
  }
  panel.index_tickers();
  return panel;
}

void Panel::index_tickers() {
  by_symbol_.resize(tickers_.size());
  for (std::size_t i = 0; i < by_symbol_.size(); ++i) by_symbol_[i] = i;
  std::sort(by_symbol_.begin(), by_symbol_.end(),
            [this](std::size_t a, std::size_t b) { return tickers_[a] < tickers_[b]; });
}

std::optional<std::size_t> Panel::ticker_index(std::string_view symbol) const {
  auto it = std::lower_bound(by_symbol_.begin(), by_symbol_.end(), symbol,
                             [this](std::size_t i, std::string_view s) { return tickers_[i] < s; });
  if (it == by_symbol_.end() || tickers_[*it] != symbol) return std::nullopt;
  return *it;
}

std::optional<std::size_t> Panel::date_index(core::Date date) const {
  const auto d = dates();
  auto it = std::lower_bound(d.begin(), d.end(), date);
  if (it == d.end() || *it != date) return std::nullopt;
  return static_cast<std::size_t>(it - d.begin());
}

std::optional<std::size_t> Panel::date_index_at_or_before(core::Date date) const {
  const auto d = dates();
  auto it = std::upper_bound(d.begin(), d.end(), date);
  if (it == d.begin()) return std::nullopt;
  return static_cast<std::size_t>(it - d.begin()) - 1;
}

double Panel::adjusted(Field field, std::size_t ticker, std::size_t t) const {
  switch (field) {
    case Field::Open:
    case Field::High:
    case Field::Low:
    case Field::Close: {
      const double close = value(Field::Close, ticker, t);
      if (close == 0) return kNaN;
      return value(field, ticker, t) * (value(Field::AdjClose, ticker, t) / close);
    }
    case Field::Volume:
      return value(Field::Volume, ticker, t) * value(Field::SplitFactor, ticker, t);
    case Field::AdjClose:
    case Field::SplitFactor:
    case Field::Dividend:
      break;
  }
  return value(field, ticker, t);
}

Panel Panel::from_date_index(std::size_t first) const {
  assert(first <= num_dates_);
  Panel out = *this;
  out.dates_ += first;
  out.values_ += first;
  out.num_dates_ -= first;
  return out;
}

PanelView Panel::as_of(std::size_t t) const {
  assert(t < num_dates_);
  return PanelView(*this, t);
}

double PanelView::value(Field field, std::size_t ticker, std::size_t days_ago) const {
  if (days_ago > t_) return std::numeric_limits<double>::quiet_NaN();
  return panel_->value(field, ticker, t_ - days_ago);
}

double PanelView::adjusted(Field field, std::size_t ticker, std::size_t days_ago) const {
  if (days_ago > t_) return std::numeric_limits<double>::quiet_NaN();
  return panel_->adjusted(field, ticker, t_ - days_ago);
}

std::span<const double> PanelView::history(Field field, std::size_t ticker, std::size_t lookback) const {
  const std::size_t end = t_ + 1;
  const std::size_t begin = lookback < end ? end - lookback : 0;
  return panel_->series(field, ticker).subspan(begin, end - begin);
}

}  // namespace kestrel::store
