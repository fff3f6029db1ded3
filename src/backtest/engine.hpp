#pragma once
// BacktestEngine: replays a panel of daily bars through the simulated venue, the portfolio,
// the trade rules and a strategy, and records everything into an analysis::BacktestRecord.
//
// One day t, in this order (single-threaded; orders with equal timestamps go by sequence
// number, i.e. submission order):
//   open   the clock moves to t's open; the venue runs bar t's session (fills at open,
//          intraday stops then limits, market-on-close, day-order expiry);
//   close  the clock moves to t's close; positions are marked at the adjusted close, or
//          flagged stale (valued at their last price) when the instrument has no bar; short
//          positions pay a day of borrow; the trade rules update stops and time stops;
//          the risk manager sees the day's equity (daily-loss and drawdown rules);
//          the strategy's on_bar runs (its orders are eligible from bar t+1);
//          the equity point of day t is recorded.
// Risk (when enabled): at the open, before the session runs, the risk manager starts its
// day (and the kill switch, if configured for that date, cancels every open order and sends
// market orders that flatten at that open); every strategy order that adds risk goes
// through RiskManager::check against the portfolio plus the orders already approved that
// day: denied orders are not sent (the event is recorded with the simulated date), orders
// during a losing streak are resized; closed round trips drive the losing-streak rule.
// Protective exits (stops, time stops) only reduce risk and are never checked.
// Prices are split- and dividend-adjusted (MarketView), so split days are continuous and
// dividends are reinvested; raw prices stay available to strategies through MarketView::raw.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "allocation/portfolio_optimizer.hpp"
#include "analysis/backtest_record.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fixed_point.hpp"
#include "execution/execution_client.hpp"
#include "portfolio/portfolio.hpp"
#include "risk/risk_manager.hpp"
#include "sim/simulated_broker.hpp"
#include "store/panel.hpp"
#include "strategy/strategy.hpp"

namespace kestrel::backtest {

using strategy::InstrumentId;

// Exits the engine manages for every position (0 disables a rule).
struct TradeRules {
  double stop_loss = 0.05;         // initial stop this fraction below (shorts: above) the entry
  double breakeven_after = 0.03;   // once the best close is this far in profit: stop to entry…
  double trail = 0.02;             // …and from then on trail this fraction behind the best close
  std::size_t time_stop_days = 30; // exit at the next open after this many bars not in profit
  std::size_t max_positions = 20;  // open positions plus pending entries
  core::Money min_position = core::Money::dollars(100);  // smaller entries are refused
};

// The risk manager's configuration ([risk] in the TOML config).
struct RiskSettings {
  bool enabled = true;  // the plan's limits are on unless a run turns them off
  risk::RiskLimits limits;
  // Engage the kill switch at the open of the first session on or after this date
  // (for tests and what-if runs; live trading engages it by hand).
  std::optional<core::Date> kill_switch_date;
};

// Portfolio construction for target-weight strategies ([portfolio] method = ...): the
// strategy picks the names (its positive target weights), allocation::allocate sizes them
// from their daily returns over `lookback_days` up to the decision bar (point in time).
struct PortfolioConstruction {
  allocation::AllocationMethod method = allocation::AllocationMethod::EqualWeight;
  std::size_t lookback_days = 126;
  allocation::AllocationConstraints constraints;  // equity and previous weights are filled per rebalance
};

struct EngineConfig {
  std::string name = "backtest";
  std::optional<core::Date> start;  // first day simulated (default: the panel's first date)
  std::optional<core::Date> end;    // last day (default: the panel's last date)
  std::vector<InstrumentId> universe;  // tradable instruments; empty: all
  std::optional<InstrumentId> benchmark;
  portfolio::PortfolioConfig portfolio;
  sim::BrokerConfig broker;
  TradeRules rules;
  RiskSettings risk;
  std::optional<PortfolioConstruction> construction;  // none: the strategy's weights as given
  execution::TimeInForce rebalance_tif = execution::TimeInForce::Day;
};

// Nominal session times (seconds after midnight UTC of the trading day: 09:30 and 16:00 New
// York standard time). They order events within a day; daily bars carry no intraday time.
inline constexpr std::int64_t kOpenSecond = 14 * 3600 + 30 * 60;
inline constexpr std::int64_t kCloseSecond = 21 * 3600;

struct RunStats {
  std::size_t days = 0;
  std::size_t bar_events = 0;  // bars (ticker × day with data) replayed
};

class BacktestEngine final : public strategy::StrategyContext, public execution::ExecutionListener {
 public:
  BacktestEngine(const store::Panel& panel, EngineConfig config, strategy::Strategy& strategy);

  core::Result<analysis::BacktestRecord> run();

  const RunStats& stats() const { return stats_; }
  const sim::SimulatedBroker& broker() const { return broker_; }
  const core::Clock& clock() const { return clock_; }
  // The run's risk manager (null when risk is disabled).
  const risk::RiskManager* risk_manager() const { return risk_ ? &*risk_ : nullptr; }

  // StrategyContext
  const strategy::MarketView& market() const override { return view_; }
  const portfolio::Portfolio& portfolio() const override { return portfolio_; }
  std::span<const InstrumentId> universe() const override { return universe_; }
  core::Result<execution::OrderId> submit(execution::OrderRequest request) override;
  core::Status cancel(execution::OrderId id) override;
  void set_target_weights(std::span<const strategy::TargetWeight> targets) override;
  std::size_t open_slots() const override;

  // ExecutionListener
  void on_order_update(const execution::Order& order) override;
  void on_fill(const execution::Fill& fill) override;

 private:
  struct RuleState {
    execution::OrderId stop_order = 0;  // the working protective stop
    execution::OrderId exit_order = 0;  // a working time-stop exit
    core::Price stop_level{};
    core::Quantity protected_quantity = 0;
    double best = 0;                    // best close since entry
    bool trailing = false;
  };
  bool rules_enabled() const;
  void apply_rules(std::size_t t);
  core::Result<execution::OrderId> place(execution::OrderRequest request);
  // Passes a strategy order through the risk manager: the approved (maybe resized) request,
  // or the denial. Orders the strategy did not place pass unchanged.
  core::Result<execution::OrderRequest> check_risk(execution::OrderRequest request);
  void engage_kill_switch(std::size_t t);
  // Replaces targets_ (long candidates) by the optimiser's weights.
  core::Status construct_portfolio();
  void record_day(std::size_t t);
  void finish_record();

  const store::Panel* panel_;
  EngineConfig config_;
  strategy::Strategy* strategy_;
  core::SimClock clock_;
  portfolio::Portfolio portfolio_;
  sim::SimulatedBroker broker_;
  strategy::MarketView view_;
  std::vector<InstrumentId> universe_;
  std::vector<RuleState> rules_;
  // Open orders that would open a position, per instrument, and which orders are counted.
  std::vector<std::uint16_t> pending_entries_;
  std::vector<std::uint8_t> counted_entry_;  // by order id
  std::size_t instruments_pending_ = 0;
  std::vector<portfolio::RoundTrip> closed_;
  std::vector<std::uint8_t> touched_;         // set_target_weights scratch
  std::vector<strategy::TargetWeight> targets_;
  std::optional<risk::RiskManager> risk_;
  // The portfolio as it would be after today's approved orders, so that a rebalance's
  // orders are checked together (cash reserve, sector and position counts).
  std::optional<portfolio::Portfolio> projected_;
  std::size_t projected_bar_ = 0;
  bool kill_engaged_ = false;
  analysis::BacktestRecord record_;
  double last_benchmark_ = 0;
  std::optional<core::Error> error_;          // first accounting error seen in a callback
  RunStats stats_;
};

}  // namespace kestrel::backtest
