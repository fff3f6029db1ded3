#pragma once
// Everything the dashboard and /metrics show about one trading run, read from its journal
// (the node may be running, stopped or dead) and, when the server knows the run's market
// data, from the store: the account and its equity curve against the benchmarks, positions,
// recent orders, fills and risk events, the risk limits and how much of each is used, how the
// model's predictions turned out, and the node's health. Built fresh from the journal so that
// what a person sees is exactly what the node journaled.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "risk/risk_manager.hpp"
#include "server/prediction_outcomes.hpp"
#include "server/round_trips.hpp"
#include "store/journal.hpp"
#include "store/panel.hpp"

namespace kestrel::server {

struct DashboardPosition {
  std::string ticker;
  double quantity = 0, entry_price = 0, price = 0, value = 0, pnl = 0, pnl_fraction = 0, stop = 0;
  core::Date entry_date{};
  std::int64_t sessions_held = 0;  // journaled sessions after the entry date, up to the last one
  std::string sector;              // from the market data, when known
};

struct DashboardOrder {
  std::string client_order_id, ticker, side, type, status, tag, origin;
  core::Date date{};
  double quantity = 0, filled = 0, limit_price = 0, stop_price = 0;
};

struct ComparisonSeries {
  std::string name;            // e.g. "SPY"
  std::vector<double> values;  // scaled to the run's first equity; NaN where the data has no bar
};

struct RiskUsage {
  std::string largest_position;
  double largest_position_fraction = 0;  // of equity
  std::string largest_sector;
  double largest_sector_fraction = 0;    // gross, of equity (empty sector: not known)
  double cash_fraction = 0;
  double gross_exposure = 0;
  double day_loss_fraction = 0;          // the day's loss as a positive fraction (0 on a gain)
  double drawdown = 0;                   // from the peak, positive
};

struct NodeHealth {
  std::size_t starts = 0, restarts = 0;
  std::string last_start;                    // wall clock, ISO 8601 UTC
  std::optional<core::Date> last_session;    // the last session the node closed
  std::optional<core::Date> data_last_date;  // newest bar in the market data (when known)
  std::optional<core::Date> expected_date;   // the newest closed NYSE session by the wall clock
  std::int64_t data_lag_sessions = 0;        // sessions the data is behind expected_date
  bool data_stale = false;                   // paper and live: the data is behind
  std::string execution;                     // sim, alpaca-paper, alpaca-live
  // The node's cycles (one per session it closed in this process's life or an earlier one).
  std::size_t cycles = 0, failed_cycles = 0;
  std::optional<store::JournalCycle> last_cycle;
  std::vector<double> cycle_seconds;         // every cycle's duration
  std::int64_t broker_requests = 0, broker_errors = 0;
  double broker_seconds = 0;
  // The broker's event stream: its last journaled change (connected, disconnected, closed by
  // the node; none with a simulated venue) and how often it was lost in this run.
  std::optional<store::JournalBrokerLink> broker_link;
  std::size_t stream_disconnects = 0;
};

struct DashboardSnapshot {
  std::string journal;  // the journal's name (a file, or a URL without its password)
  store::JournalRun run;
  std::size_t sessions = 0;

  // The account on the last journaled session.
  std::optional<store::JournalDay> today;
  double initial_equity = 0, peak_equity = 0;
  double day_pnl = 0, day_return = 0, total_return = 0, drawdown = 0, max_drawdown = 0;

  // One entry per journaled session.
  std::vector<core::Date> dates;
  std::vector<double> equity, drawdowns;  // drawdowns as negative fractions
  std::vector<ComparisonSeries> benchmarks;

  std::vector<RoundTrip> closed_trades;  // in the order they closed
  int wins = 0, losses = 0;
  double realised_pnl = 0;

  std::vector<DashboardPosition> positions;
  std::size_t orders_total = 0;
  std::map<std::string, std::size_t> orders_by_status;
  std::size_t open_orders = 0;
  std::vector<DashboardOrder> recent_orders;      // newest first
  std::size_t fills_total = 0;
  double commissions = 0;
  std::vector<store::JournalEvent> recent_fills;  // newest first
  std::size_t rejections = 0;
  std::vector<store::JournalDecision> events;         // every risk, reconciliation and control decision, in order
  std::vector<store::JournalDecision> recent_events;  // the newest of them, newest first
  std::map<std::string, std::size_t> events_by_kind;  // every decision kind but the daily targets

  bool risk_enabled = true;
  risk::RiskLimits limits;
  RiskUsage usage;
  bool halted = false;
  std::string halt_reason;
  std::size_t pending_controls = 0;

  std::vector<ModelOutcomes> models;
  NodeHealth health;

  // What the page cannot show and why (no market data, a benchmark missing, …).
  std::vector<std::string> notes;
};

struct SnapshotOptions {
  std::string run_id;                        // empty: the newest run
  const store::Panel* market = nullptr;      // the run's market data, when the server has it
  std::vector<std::string> extra_benchmarks = {"QQQ"};  // shown when the market data has them
  std::size_t recent = 50;                   // rows of each recent list
  std::int64_t now_ns = 0;                   // the wall clock, for data freshness
};

core::Result<DashboardSnapshot> read_snapshot(store::Journal& journal, const SnapshotOptions& options);

}  // namespace kestrel::server
