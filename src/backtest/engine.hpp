#pragma once
// BacktestEngine: the backtest loop. A simulated clock, the panel replayed day by day and the
// simulated venue around the trading kernel (trading/kernel.hpp) — the same kernel, strategy,
// trade rules and risk manager the trading node runs in paper and live trading. The engine
// adds only the loop and the record: everything the kernel reports becomes an
// analysis::BacktestRecord (equity, trades, orders, risk events).
//
// One day t, in this order (single-threaded; orders with equal timestamps go by sequence
// number, i.e. submission order):
//   open   the clock moves to t's open; the kernel begins the session (risk day start, the
//          kill switch if it is due); the venue runs bar t's session (fills at the open,
//          intraday stops then limits, market-on-close, day-order expiry) and the kernel books
//          its events, calling the strategy's on_fill with the market view still at t-1;
//   close  the clock moves to t's close; the venue marks its book; the kernel marks positions
//          at the adjusted close (or flags them stale when the instrument has no bar), charges
//          a day of borrow on shorts, shows the risk manager the day's equity, applies the
//          trade rules, runs the strategy's on_bar and sends the day's orders (eligible from
//          bar t+1); the equity point of day t is recorded.
// Prices are split- and dividend-adjusted (MarketView), so split days are continuous and
// dividends are reinvested; raw prices stay available to strategies through MarketView::raw.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/backtest_record.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "portfolio/portfolio.hpp"
#include "risk/risk_manager.hpp"
#include "sim/simulated_venue.hpp"
#include "store/panel.hpp"
#include "strategy/strategy.hpp"
#include "trading/kernel.hpp"

namespace kestrel::backtest {

using strategy::InstrumentId;
using trading::PortfolioConstruction;
using trading::RiskSettings;
using trading::TradeRules;

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
  std::string order_id_prefix = "bt";  // client order ids "<prefix>-<sequence>"
};

// The kernel's part of an EngineConfig.
trading::KernelConfig kernel_config(const EngineConfig& config);

struct RunStats {
  std::size_t days = 0;
  std::size_t bar_events = 0;  // bars (universe ticker × day with data) replayed
};

// The first and last panel date index a run covers, from its start and end dates.
struct DayRange {
  std::size_t first = 0;
  std::size_t last = 0;
};
core::Result<DayRange> day_range(const store::Panel& panel, std::optional<core::Date> start,
                                 std::optional<core::Date> end);

// Turns what the kernel reports into a BacktestRecord (also used by the trading node's
// replay, so that a replay and a backtest are compared on the same record).
class BacktestRecorder final : public trading::KernelObserver {
 public:
  BacktestRecorder(const store::Panel& panel, std::string name, std::optional<InstrumentId> benchmark);
  void attach(const trading::TradingKernel& kernel) { kernel_ = &kernel; }
  void on_round_trip(const portfolio::RoundTrip& trip, const execution::Fill& fill) override;
  void on_risk_event(const risk::RiskEvent& event) override;
  void on_session_closed(std::size_t t) override;
  void on_decision(std::string_view kind, const std::string& detail) override;
  // Open positions become trades closed at their last mark; the orders come from the OMS; the
  // flags say whether the run did anything useful (analysis/activity_flags.hpp).
  analysis::BacktestRecord finish();

 private:
  const store::Panel* panel_;
  const trading::TradingKernel* kernel_ = nullptr;
  std::optional<InstrumentId> benchmark_;
  double last_benchmark_ = 0;
  analysis::BacktestRecord record_;
};

class BacktestEngine {
 public:
  BacktestEngine(const store::Panel& panel, EngineConfig config, strategy::Strategy& strategy);

  core::Result<analysis::BacktestRecord> run();

  const RunStats& stats() const { return stats_; }
  const core::Clock& clock() const { return clock_; }
  const trading::TradingKernel& kernel() const { return kernel_; }
  const portfolio::Portfolio& portfolio() const { return kernel_.portfolio(); }
  // The run's risk manager (null when risk is disabled).
  const risk::RiskManager* risk_manager() const { return kernel_.risk_manager(); }

 private:
  const store::Panel* panel_;
  EngineConfig config_;
  core::SimClock clock_;
  trading::TradingKernel kernel_;
  sim::SimulatedVenue venue_;
  RunStats stats_;
};

}  // namespace kestrel::backtest
