#include "dataset/panel_truncation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace kestrel::dataset {

store::Panel truncate_panel(const store::Panel& panel, std::size_t last) {
  std::vector<std::size_t> all(panel.num_tickers());
  std::iota(all.begin(), all.end(), std::size_t{0});
  return select_panel(panel, all, last);
}

store::Panel select_panel(const store::Panel& panel, std::span<const std::size_t> tickers, std::size_t last) {
  using store::Field;
  const auto dates = panel.dates();
  const std::size_t end = std::min(last + 1, panel.num_dates());
  std::vector<store::TickerSeries> series(tickers.size());
  for (std::size_t k = 0; k < tickers.size(); ++k) {
    const std::size_t i = tickers[k];
    store::TickerSeries& s = series[k];
    s.symbol = panel.tickers()[i];
    s.sector = i < panel.sectors().size() ? panel.sectors()[i] : std::string();
    const auto split_factor = panel.series(Field::SplitFactor, i);
    const auto dividend = panel.series(Field::Dividend, i);
    std::size_t previous = panel.num_dates();  // previous bar day (of the whole history)
    for (std::size_t t = 0; t < panel.num_dates(); ++t) {
      if (!panel.has_bar(i, t)) continue;
      // A split between the previous bar day and t shows as a change of the factor; dating
      // it at t places it after `previous` and not after t, as the panel builder expects.
      double coefficient = 1;
      if (previous < t && split_factor[previous] != split_factor[t]) {
        coefficient = split_factor[previous] / split_factor[t];
      }
      const double cash = std::isnan(dividend[t]) ? 0.0 : dividend[t];
      if (coefficient != 1 || cash != 0) s.actions.push_back({dates[t], cash, coefficient});
      if (t < end) {
        s.bars.push_back({dates[t], panel.value(Field::Open, i, t), panel.value(Field::High, i, t),
                          panel.value(Field::Low, i, t), panel.value(Field::Close, i, t),
                          panel.value(Field::AdjClose, i, t), panel.value(Field::Volume, i, t)});
      }
      previous = t;
    }
    // Splits after the ticker's last bar are folded into every factor it has.
    if (previous < panel.num_dates() && split_factor[previous] != 1) {
      s.actions.push_back({dates[previous] + 1, 0.0, split_factor[previous]});
    }
  }
  return store::Panel::build(series);
}

}  // namespace kestrel::dataset
