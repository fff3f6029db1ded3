// The trade-rule exits of TradingKernel: the plan's stop, break-even and trailing stop, and
// the time stop, recomputed for every position after each close.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "trading/kernel.hpp"

namespace kestrel::trading {

using execution::OrderId;
using execution::OrderOrigin;
using execution::OrderTag;
using execution::OrderType;
using execution::Side;

void TradingKernel::apply_rules(std::size_t t) {
  const TradeRules& r = config_.rules;
  for (InstrumentId i : portfolio_.held()) {
    if (!view_.has_bar(i)) continue;        // stale: keep whatever stop is working
    if (open_strategy_exits_[i] > 0) continue;  // the strategy is closing it: one exit at a time
    RuleState& st = rules_[i];
    if (st.exit_order != 0) {
      if (working(st.exit_order)) continue;
      st.exit_order = 0;  // expired unfilled (e.g. no bar): decide again today
    }
    const portfolio::Position& p = portfolio_.position(i);
    const bool long_side = p.quantity > 0;
    const double entry = p.average_cost().to_double();
    const double close = view_.close(i);
    st.best = long_side ? std::max(st.best, close) : std::min(st.best, close);
    const Side exit_side = long_side ? Side::Sell : Side::Buy;
    const core::Quantity shares = std::llabs(p.quantity);

    if (r.time_stop_days > 0 && t - p.entry_bar >= r.time_stop_days &&
        (long_side ? close <= entry : close >= entry)) {
      if (working(st.stop_order)) request_cancel(st.stop_order, "time stop");
      st.stop_order = 0;
      st.stop_level = {};
      st.protected_quantity = 0;
      if (auto id = create({.instrument = i, .side = exit_side, .quantity = shares, .type = OrderType::Market,
                            .tif = execution::TimeInForce::Day, .tag = OrderTag::TimeStop},
                           OrderOrigin::Protective)) {
        st.exit_order = *id;
      }
      continue;
    }

    double level = std::numeric_limits<double>::quiet_NaN();
    if (r.stop_loss > 0) level = long_side ? entry * (1.0 - r.stop_loss) : entry * (1.0 + r.stop_loss);
    if (r.breakeven_after > 0 &&
        (long_side ? st.best >= entry * (1.0 + r.breakeven_after) : st.best <= entry * (1.0 - r.breakeven_after))) {
      st.trailing = true;
    }
    if (st.trailing) {
      const double trail = long_side ? std::max(entry, st.best * (1.0 - r.trail)) : std::min(entry, st.best * (1.0 + r.trail));
      level = std::isnan(level) ? trail : (long_side ? std::max(level, trail) : std::min(level, trail));
    }
    if (std::isnan(level)) continue;
    core::Price price = core::Price::round(level);
    // Stops only ever tighten.
    if (!st.stop_level.is_zero()) price = long_side ? std::max(price, st.stop_level) : std::min(price, st.stop_level);
    const bool is_working = working(st.stop_order);
    if (is_working && price == st.stop_level && shares == st.protected_quantity) continue;
    if (is_working) request_cancel(st.stop_order, "stop replaced");
    st.stop_order = 0;
    auto id = create({.instrument = i, .side = exit_side, .quantity = shares, .type = OrderType::Stop,
                      .tif = execution::TimeInForce::Gtc, .stop_price = price,
                      .tag = st.trailing ? OrderTag::TrailingStop : OrderTag::Stop},
                     OrderOrigin::Protective);
    if (id) {
      st.stop_order = *id;
      st.stop_level = price;
      st.protected_quantity = shares;
    }
  }
}

}  // namespace kestrel::trading
