#pragma once
// The Strategy API. The same strategy object runs in backtest, paper and live: it sees the
// market only through the context (point in time: bars up to the last close) and acts by
// placing orders or by setting target weights. on_bar runs after each day's close, so every
// order it places can fill no earlier than the next bar. on_fill runs while a session is in
// progress: the market view then still stands at the previous close.
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "core/fixed_point.hpp"
#include "execution/order.hpp"
#include "portfolio/portfolio.hpp"
#include "strategy/market_view.hpp"

namespace kestrel::strategy {

struct TargetWeight {
  InstrumentId instrument = 0;
  double weight = 0;  // fraction of equity, negative = short
  // The model's probability that a long target goes up (risk's min_open_confidence reads it);
  // NaN when the strategy has none.
  double confidence = std::numeric_limits<double>::quiet_NaN();
  // Keep a position already held as it is, whatever its size has drifted to (a name the
  // strategy keeps inside a hold band): no order for it. Ignored when nothing is held.
  bool hold = false;
};

class StrategyContext {
 public:
  virtual ~StrategyContext() = default;
  virtual const MarketView& market() const = 0;
  virtual const portfolio::Portfolio& portfolio() const = 0;
  // The instruments this run may trade, ascending.
  virtual std::span<const InstrumentId> universe() const = 0;
  virtual core::Result<execution::OrderId> submit(execution::OrderRequest request) = 0;
  virtual core::Status cancel(execution::OrderId id) = 0;
  // Rebalance at the next open to these fractions of today's equity (valued at today's
  // close); held instruments that are not listed are closed.
  virtual void set_target_weights(std::span<const TargetWeight> targets) = 0;
  // How many more positions the trade rules allow today (max positions − held − pending entries).
  virtual std::size_t open_slots() const = 0;
  // An order as the local order store knows it (never the venue's view); null if unknown.
  virtual const execution::Order* order(execution::OrderId id) const = 0;
  // A failure the strategy cannot recover from (e.g. its model could not score the day):
  // the run stops with this error instead of trading on without it.
  virtual void report_error(core::Error error) = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string_view name() const = 0;
  virtual core::Status on_start(StrategyContext&) { return {}; }
  virtual void on_bar(StrategyContext& context) = 0;
  virtual void on_fill(StrategyContext&, const execution::Fill&) {}
  virtual void on_end(StrategyContext&) {}
};

}  // namespace kestrel::strategy
