#pragma once
// The trading node: the composition root that runs a config's strategy as a bot. It picks the
// clock, the market data and the execution client by mode, wires the trading kernel (the
// same one `kestrel backtest` runs) to the simulated venue and the journal, and drives the
// daily cycle:
//   open     the kernel begins the session (risk day start; a due kill switch);
//   session  the venue runs the day's session; the kernel books its events;
//   close    marks, risk, trade rules, the strategy (scores from the saved model), orders for
//            the next open — journaled before they are sent; the day's equity and positions.
// Each step ends with a journal commit. Between days the node applies the operator's controls
// (`kestrel trade kill|resume`, the kill file).
//
// Modes:
//   replay  historical days from the config's data with a simulated clock, as fast as the
//           machine allows; the same orders, fills and equity as `kestrel backtest`.
//   paper   the NYSE calendar in real time: after each session's close (plus a delay) the node
//           imports the drop folder's CSVs into the store, reloads the data, and runs the day
//           once that day's bars are there; it waits (or, with exit_when_idle, stops) otherwise.
//
// Restart: a node that finds an unfinished run of the same config in its journal re-runs that
// run from its first day — deterministically, the journal checking every re-derived row and
// supplying the model's journaled predictions and the operator's journaled controls at the
// points they happened — and carries on from where the journal ends. A decision or an order is
// never made twice; a journal that disagrees with its re-run stops the node with the
// difference.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/backtest_record.hpp"
#include "backtest/config.hpp"
#include "backtest/engine.hpp"
#include "core/error.hpp"
#include "adapters/alpaca_broker.hpp"
#include "live/broker_adoption.hpp"
#include "live/journal_writer.hpp"
#include "live/journaled_scores.hpp"
#include "live/recovering_venue.hpp"
#include "live/scheduled_retrain.hpp"
#include "sim/simulated_venue.hpp"
#include "store/journal.hpp"
#include "store/panel.hpp"
#include "store/trading_calendar.hpp"
#include "trading/kernel.hpp"

namespace kestrel::live {

class MarketDataRefresh;

enum class NodeMode { Replay, Paper };
std::string_view to_string(NodeMode mode);

struct NodeOptions {
  NodeMode mode = NodeMode::Replay;
  std::string journal;  // a SQLite file or a postgresql:// URL
  std::optional<core::Date> from, to;  // replay: the sessions replayed
  bool exit_when_idle = false;         // paper: stop when there is nothing to do instead of waiting
  // Test hook: the process kills itself (SIGKILL) after this many journal commits.
  std::optional<std::size_t> crash_after_commits;
  // Test hook: … or right after this many orders were handed to a broker (sent, not yet answered).
  std::optional<std::size_t> crash_after_sends;
  bool live_confirmed = false;  // --live: with mode = "live" in the config, real money may trade
  std::function<void(const std::string&)> log;
};

struct NodeSummary {
  std::string run_id;
  bool resumed = false;       // continued an unfinished run from its journal
  std::size_t sessions = 0;   // sessions the run has journaled
  std::size_t rederived = 0;  // of which re-run from the journal at this start
  core::Date first{}, last{};
  double initial_cash = 0;
  double equity = 0;
  std::size_t orders = 0;
  std::size_t fills = 0;
  bool halted = false;
  bool finished = false;             // a replay that reached its last day
  analysis::BacktestRecord record;   // the run as a backtest record (reports, parity)
};

class TradingNode {
 public:
  static core::Result<std::unique_ptr<TradingNode>> open(backtest::BacktestConfig config, NodeOptions options);
  ~TradingNode();
  core::Result<NodeSummary> run();

 private:
  TradingNode(backtest::BacktestConfig config, NodeOptions options, store::Journal journal);
  core::Status load_data();
  core::Status refresh_data(bool& changed);
  core::Status set_up(std::size_t first_session);
  // One session; a new one (not a re-run of the journal) also logs its cycle (timing, broker
  // requests, failure) to the journal.
  core::Status run_day(std::size_t t);
  core::Status run_session(std::size_t t);
  // replaying: the control is re-run from the journal (what it did at the broker is done).
  core::Status apply_control(const std::string& action, const std::string& detail, core::Date date, bool replaying);
  // Re-run: the journal's next decisions that came from outside the strategy — the operator's
  // controls, the broker's fees, reconciliation halts and adoptions — applied where they were.
  core::Status replay_journaled_decisions(core::Date date);
  core::Status replay_broker_decision(const store::JournalDecision& d);
  core::Status poll_controls(core::Date date);
  core::Status fail_if_error();
  // Journals a change of the broker stream's connection (connected, or lost and why), for the
  // dashboard and the disconnection alert; checked after each cycle and while waiting.
  core::Status watch_broker_link();
  // …and that the node closed it, on stopping.
  void close_broker_link();
  bool simulated() const { return venue_ != nullptr; }
  // A broker: the journal's events, then the broker's, and the day's events applied.
  void pump_and_process();
  // The re-run reached the journal's end: the broker takes over (held-back orders sent, open
  // orders tracked, stream started and swept) and the node's book is reconciled with it.
  core::Status take_over_from_journal();
  // After the last journaled day: the journal's remaining events, then the broker takes over.
  core::Status finish_recovery();
  core::Status reconcile();
  // Books the broker's share counts and cash (`kestrel trade adopt`) and lifts a
  // reconciliation halt.
  core::Status apply_adoption(const BrokerAdoption& adoption);
  // The broker's fees outside the fills, booked as cash (see the definition).
  core::Status book_broker_fees(core::Date date);
  // node.retrain: after the last session of a month, retrain and journal the decision.
  core::Status maybe_retrain(std::size_t t);
  // Journals a retraining decision and, for a promotion, trades the new model from the next
  // session. `journaled`: the detail as the journal holds it (a re-run), else empty.
  core::Status apply_retrain(RetrainDecision decision, core::Date date, const std::string& journaled);
  // The re-run has reproduced everything the journal held: from here on rows are new.
  bool caught_up() const;
  NodeSummary summary();
  void log(const std::string& line) const;

  backtest::BacktestConfig config_;
  NodeOptions options_;
  store::Journal journal_;
  std::unique_ptr<store::Panel> panel_;
  std::vector<std::unique_ptr<store::Panel>> retired_panels_;
  std::unique_ptr<MarketDataRefresh> data_refresh_;  // node.collect
  std::unique_ptr<core::Clock> clock_;
  core::SimClock* sim_clock_ = nullptr;  // replay only
  backtest::EngineConfig engine_;
  store::JournalRun run_;
  bool resumed_ = false;
  std::unique_ptr<strategy::Strategy> strategy_;
  JournaledScores* scores_ = nullptr;
  std::unique_ptr<backtest::BacktestRecorder> recorder_;
  std::unique_ptr<JournalWriter> writer_;
  std::unique_ptr<trading::TradingKernel> kernel_;
  std::unique_ptr<sim::SimulatedVenue> venue_;         // execution "sim"
  std::unique_ptr<adapters::SteadySleepClock> sleep_;
  std::unique_ptr<adapters::AlpacaBroker> broker_;     // execution "alpaca-paper" / "alpaca-live"
  std::unique_ptr<RecoveringVenue> recovering_;
  bool taken_over_ = false;
  std::vector<store::JournalDecision> journaled_controls_;
  std::size_t next_control_ = 0;
  store::Journal::Extent journaled_{};
  // Fees, reconciliation halts and adoptions, by decision seq.
  std::map<std::int64_t, store::JournalDecision> journaled_broker_;
  std::map<std::int64_t, store::JournalDecision> journaled_retrains_;  // by decision seq
  std::optional<core::Date> last_retrain_;  // the session whose retraining was decided last
  std::optional<store::TradingCalendar> calendar_;  // NYSE: the session after the data's last
  std::string last_fee_id_;  // the broker's id of the last fee activity booked
  std::size_t sessions_ = 0;
  std::size_t rederived_ = 0;
  std::size_t commits_ = 0;
  bool halted_ = false;
  bool halted_by_reconciliation_ = false;  // an adoption lifts this halt, not an operator's kill
  std::optional<std::size_t> last_session_;
  std::string link_state_;  // the last journaled state of the broker stream ("" before the first)
};

}  // namespace kestrel::live
