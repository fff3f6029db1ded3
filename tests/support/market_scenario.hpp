#pragma once
// Hand-made market data and a scripted strategy, for golden tests of the backtest engine, the
// trading kernel and the node.
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/panel.hpp"
#include "strategy/strategy.hpp"

namespace kestrel::testing {

inline core::Date day(int k) { return core::Date::from_ymd(2024, 1, 1) + k; }

struct BarSpec {
  double open, high, low, close;
  double adj_close = std::nan("");  // default: = close
  double volume = 1e6;
};

// Bars on consecutive days starting at day(0); nullopt = no bar that day.
inline store::TickerSeries make_series(std::string symbol, const std::vector<std::optional<BarSpec>>& bars) {
  store::TickerSeries s{.symbol = std::move(symbol), .sector = {}, .bars = {}, .actions = {}};
  for (std::size_t k = 0; k < bars.size(); ++k) {
    if (!bars[k]) continue;
    const BarSpec& b = *bars[k];
    s.bars.push_back(store::Bar{.date = day(static_cast<int>(k)), .open = b.open, .high = b.high, .low = b.low,
                                .close = b.close, .adj_close = std::isnan(b.adj_close) ? b.close : b.adj_close,
                                .volume = b.volume});
  }
  return s;
}

// A flat bar at `price`.
inline BarSpec flat(double price) { return BarSpec{price, price, price, price}; }

class Scripted final : public strategy::Strategy {
 public:
  std::function<void(strategy::StrategyContext&, std::size_t)> bar;
  std::vector<execution::Fill> fills;
  std::string_view name() const override { return "scripted"; }
  void on_bar(strategy::StrategyContext& context) override {
    if (bar) bar(context, context.market().today());
  }
  void on_fill(strategy::StrategyContext&, const execution::Fill& fill) override { fills.push_back(fill); }
};

inline execution::OrderRequest market(std::uint32_t instrument, execution::Side side, core::Quantity quantity) {
  return {.instrument = instrument, .side = side, .quantity = quantity};
}

inline core::Price px(double dollars) { return core::Price::round(dollars); }

}  // namespace kestrel::testing
