#pragma once
// The simulated venue: fills orders from daily bars. Used by backtests and paper trading.
//
// Timing: an order submitted after bar t's close (every strategy decision) is eligible from
// bar t+1; process_bar(t) walks the session of bar t in phases, each in submission order:
//   1. open: market and market-on-open orders fill at the open; limit, stop, stop-limit and
//      trailing-stop orders whose price the open gapped through fill at the open;
//   2. intraday: stops (stop, stop-limit trigger, trailing) before limits — when a range holds
//      both a take-profit and a stop-loss we assume the loss came first, the conservative
//      reading of a daily bar; they fill at their own price;
//   3. close: market-on-close orders fill at the close;
//   4. day orders still open expire.
// No order fills on a day its instrument has no bar. Prices are adjusted (see MarketView).
// A volume participation cap limits the adjusted shares filled per instrument and bar
// (cap × as-traded volume / adjustment factor); the rest carries over to the next bar (GTC) or
// expires with the day (DAY). Buys are limited to the cash available after fees, and sells to
// the shares held unless short selling is enabled; what cannot be filled is cancelled with the
// reason. Bracket children become active the bar after their entry fills, for the filled
// quantity, and cancel each other.
#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "execution/execution_client.hpp"
#include "portfolio/portfolio.hpp"
#include "sim/cost_models.hpp"
#include "store/panel.hpp"
#include "strategy/market_view.hpp"

namespace kestrel::sim {

struct BrokerConfig {
  SlippageModel slippage;
  CommissionModel commission;
  double participation_cap = 0;  // fraction of the bar's volume; 0 = no cap
};

class SimulatedBroker final : public execution::ExecutionClient {
 public:
  SimulatedBroker(const store::Panel& panel, BrokerConfig config, const portfolio::Portfolio& portfolio,
                  execution::ExecutionListener& listener);

  // Orders submitted from now on are dated `t` and eligible from bar `eligible_from`.
  void set_session(std::size_t t, std::size_t eligible_from);
  // Runs bar t's session (see the header comment); afterwards submissions are eligible from t+1.
  void process_bar(std::size_t t);

  core::Result<execution::OrderId> submit(const execution::OrderRequest& request) override;
  core::Status cancel(execution::OrderId id, std::string_view reason) override;
  const execution::Order* order(execution::OrderId id) const override;
  const execution::Order* find(std::string_view client_order_id) const override;

  const std::vector<execution::Order>& orders() const { return orders_; }
  std::span<const execution::OrderId> open_orders() const { return open_; }

 private:
  struct Working {              // venue-side state of an order, parallel to orders_
    std::size_t eligible_from = 0;
    bool active = true;         // bracket children wait for their entry
    bool triggered = false;     // stop-limit: the stop traded
    double trail_best = 0;      // trailing stop: best price since acceptance (NaN: unknown)
  };
  execution::Order& at(execution::OrderId id) { return orders_[id - 1]; }
  Working& working(execution::OrderId id) { return working_[id - 1]; }
  bool can_trade(execution::OrderId id, std::size_t t) const;
  void open_phase(execution::OrderId id, std::size_t t);
  void stop_phase(execution::OrderId id, std::size_t t);
  void limit_phase(execution::OrderId id, std::size_t t);
  // Fills up to the order's fillable quantity at `base` (before slippage).
  void fill(execution::OrderId id, double base, std::size_t t);
  core::Quantity fillable(const execution::Order& order) const;
  void finish(execution::OrderId id, execution::OrderStatus status, std::string reason);
  void after_fill(execution::OrderId id, std::size_t t);
  double trail_level(const execution::Order& order, const Working& w) const;

  const store::Panel* panel_;
  BrokerConfig config_;
  const portfolio::Portfolio* portfolio_;
  execution::ExecutionListener* listener_;
  strategy::MarketView view_;
  std::size_t session_ = 0;
  std::size_t next_eligible_ = 0;
  std::vector<execution::Order> orders_;
  std::vector<Working> working_;
  std::vector<execution::OrderId> open_;  // ascending ids
  std::vector<execution::OrderId> ids_;   // process_bar's snapshot of open_ (reused)
  std::unordered_map<std::string, execution::OrderId> by_client_id_;
  // Participation already used per instrument in the bar `used_bar_`.
  std::vector<double> used_;
  std::vector<std::size_t> used_bar_;
};

}  // namespace kestrel::sim
