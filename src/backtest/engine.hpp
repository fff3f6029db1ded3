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
//          the strategy's on_bar runs (its orders are eligible from bar t+1);
//          the equity point of day t is recorded.
// Prices are split- and dividend-adjusted (MarketView), so split days are continuous and
// dividends are reinvested; raw prices stay available to strategies through MarketView::raw.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/backtest_record.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/fixed_point.hpp"
#include "execution/execution_client.hpp"
#include "portfolio/portfolio.hpp"
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

struct EngineConfig {
  std::string name = "backtest";
  std::optional<core::Date> start;  // first day simulated (default: the panel's first date)
  std::optional<core::Date> end;    // last day (default: the panel's last date)
  std::vector<InstrumentId> universe;  // tradable instruments; empty: all
  std::optional<InstrumentId> benchmark;
  portfolio::PortfolioConfig portfolio;
  sim::BrokerConfig broker;
  TradeRules rules;
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
  analysis::BacktestRecord record_;
  double last_benchmark_ = 0;
  std::optional<core::Error> error_;          // first accounting error seen in a callback
  RunStats stats_;
};

}  // namespace kestrel::backtest
