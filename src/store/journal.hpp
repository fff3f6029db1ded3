#pragma once
// The trading journal: everything a trading node decides or learns, in SQLite (the store's
// file or one of its own) or PostgreSQL (a postgresql:// URL; store/journal_database.hpp). A run is one node's life from its first session on: its config,
// every order (journaled before it is sent), every order event and fill, the model's
// predictions, the day's equity and positions, risk events, and the operator's controls
// (kill switch, resume). Tables are plain rows — this layer knows nothing of the kernel.
//
// Crash safety: rows are written inside transactions the node commits at each step of its
// day, so a killed node leaves either all of a step or none of it. A restarted node re-runs
// its history deterministically and passes every row through again: a row already in the
// journal is compared with the one re-derived (its fingerprint, which leaves out wall-clock
// timestamps) and not written twice; a difference is an error, never a silent overwrite.
// Rows past the end of what was journaled are appended. So a restart never repeats a
// decision or an order, and a journal that disagrees with its own re-run is reported.
//
// The schema is versioned like the market-data store's (journal_meta.schema_version).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/journal_database.hpp"

namespace kestrel::store {

struct JournalRun {
  std::string run_id;
  std::string mode;         // "replay", "paper", "live"
  std::string name;         // the config's name
  std::string config_hash;
  std::string config_text;
  core::Date first_date{};  // first session traded
  std::optional<core::Date> last_date;  // replay: the last session; open-ended otherwise
  std::string created_at;   // wall clock, ISO 8601 UTC
  bool finished = false;    // a replay that reached its last date
};

struct JournalOrder {
  std::int64_t order_id = 0;  // the kernel's sequence
  std::string client_order_id;
  core::Date date{};          // decided on
  std::int64_t created_ns = 0;
  std::string ticker, side, type, tif, tag, origin;
  double quantity = 0, limit_price = 0, stop_price = 0;
  std::int64_t parent = 0;
};

struct JournalEvent {
  std::int64_t seq = 0;       // 1, 2, … per run
  std::int64_t order_id = 0;
  std::string client_order_id;
  std::string kind;           // submitted, accepted, fill, cancel_requested, cancelled, …
  std::int64_t ts = 0;
  std::string execution_id;   // fills
  std::string ticker;
  std::string side;
  double quantity = 0, price = 0, commission = 0;
  std::string reason;
};

struct JournalDay {
  core::Date date{};
  double equity = 0, cash = 0, market_value = 0, gross_exposure = 0;
  std::int64_t positions = 0;
  double benchmark = 0;      // the benchmark's adjusted close (0 when none)
  std::int64_t orders_sent = 0;
  // The last order event applied before the day closed: where a re-run with a broker behind
  // it stops handing over journaled events until the day's close is re-derived.
  std::int64_t last_event_seq = 0;
};

struct JournalPosition {
  core::Date date{};
  std::string ticker;
  double quantity = 0, average_cost = 0, last_price = 0, market_value = 0, unrealized = 0;
  core::Date entry_date{};
  double stop_level = 0;     // the working protective stop, 0 when none
};

struct JournalPrediction {
  core::Date date{};
  std::string ticker;
  double score = 0;
  std::string model;  // filled by the run-wide reader
};

// One process start of a run (wall clock, pid, "start" or "restart").
struct JournalStart {
  std::string started_at;
  std::int64_t pid = 0;
  std::string note;
};

// Something a person or a rule decided: a risk event, the strategy's targets, a control.
struct JournalDecision {
  std::int64_t seq = 0;
  core::Date date{};
  std::string kind;    // e.g. "targets", "risk:denied", "control:kill", "control:resume"
  std::string detail;
};

// One cycle of a node: the work for one session (open, session, close, decide), measured on
// the wall clock, with what it asked of the broker; or the failure that stopped the node.
// Operational, like process starts: a re-run of the journal adds none, and none is verified.
struct JournalCycle {
  std::string started_at;         // wall clock, ISO 8601 UTC
  core::Date session{};
  double duration_ms = 0;
  std::string result = "ok";      // "ok", or the error that ended the cycle
  std::int64_t broker_requests = 0, broker_errors = 0;
  double broker_seconds = 0;      // time spent waiting for the broker's replies
};

// A change of the node's connection to the broker's event stream (trade_updates): when it was
// found and what it became — "connected", "disconnected" (lost; `detail` says why) or "closed"
// (the node stopped and closed it). Operational, like cycles.
struct JournalBrokerLink {
  std::string at;  // wall clock, ISO 8601 UTC
  std::string state;
  std::string detail;
};

// A request from the command line to a node (kill, resume), consumed once.
struct JournalControl {
  std::int64_t id = 0;
  std::string run_id;  // empty: whichever run is active
  std::string action;  // "kill", "kill_flatten", "resume"
  std::string requested_at;
};

class Journal {
 public:
  // Full: every commit reaches the disk before the node goes on (paper and live trading: an
  // order is journaled before it is sent). Normal: safe against a killed process, not against
  // a power cut (replays, which can be rerun).
  using Durability = JournalDatabase::Durability;
  // `location`: a SQLite file, or a PostgreSQL URL. Creates the file (and the tables) when
  // needed; refuses a journal newer than this kestrel.
  static core::Result<Journal> open(const std::string& location, Durability durability = Durability::Full);
  // Access for status and control commands; fails if there is no journal at `location`.
  static core::Result<Journal> open_existing(const std::string& location);

  // The file, or the URL without its password.
  const std::string& name() const { return db_->name(); }

  // Runs.
  core::Status create_run(const JournalRun& run);
  core::Result<std::optional<JournalRun>> run(const std::string& run_id);
  // The newest run.
  core::Result<std::optional<JournalRun>> latest_run();
  // The newest unfinished run of this mode and config: a replay of exactly these sessions
  // (`range` set), or an open-ended run (paper, live: `range` empty).
  core::Result<std::optional<JournalRun>> unfinished_run(const std::string& mode, const std::string& config_hash,
                                                         std::optional<std::pair<core::Date, core::Date>> range);
  core::Status mark_finished(const std::string& run_id);
  // Process starts (wall clock, pid): the only rows a restart adds by itself.
  core::Status log_start(const std::string& run_id, const std::string& started_at, std::int64_t pid,
                         const std::string& note);

  // Controls from the command line.
  core::Status request_control(const std::string& run_id, const std::string& action, const std::string& requested_at);
  core::Result<std::vector<JournalControl>> pending_controls(const std::string& run_id);
  core::Status consume_control(std::int64_t id, const std::string& run_id);

  // Writing, between begin() and commit() (rollback() on failure). Each put_* verifies
  // against an existing row with the same key instead of writing it again (see above).
  core::Status begin();
  core::Status commit();
  void rollback();
  core::Status put_order(const std::string& run_id, const JournalOrder& order);
  core::Status put_event(const std::string& run_id, const JournalEvent& event);
  core::Status put_day(const std::string& run_id, const JournalDay& day);
  core::Status put_position(const std::string& run_id, const JournalPosition& position);
  core::Status put_prediction(const std::string& run_id, const std::string& model, const JournalPrediction& p);
  core::Status put_decision(const std::string& run_id, const JournalDecision& decision);

  // How far a run's journal goes: what a re-run must reproduce before it makes anything new.
  struct Extent {
    std::int64_t events = 0;     // highest order-event seq
    std::int64_t decisions = 0;  // highest decision seq
    std::int64_t days = 0;       // sessions closed
  };
  core::Result<Extent> extent(const std::string& run_id);

  // Reading. Between begin_read() and end_read() every read sees the journal as it was at
  // the first one (a reader in another process than the node sees whole commits only).
  core::Status begin_read();
  void end_read();
  core::Result<std::vector<JournalOrder>> orders(const std::string& run_id);
  core::Result<std::vector<JournalEvent>> events(const std::string& run_id);
  core::Result<std::vector<JournalDay>> days(const std::string& run_id);
  core::Result<std::vector<JournalPosition>> positions(const std::string& run_id, core::Date date);
  core::Result<std::vector<JournalPrediction>> predictions(const std::string& run_id, core::Date date);
  // Every prediction of the run, with its model, by date and ticker.
  core::Result<std::vector<JournalPrediction>> predictions(const std::string& run_id);
  core::Result<std::vector<JournalStart>> starts(const std::string& run_id);
  core::Status log_cycle(const std::string& run_id, const JournalCycle& cycle);
  // The run's cycles in the order they were logged.
  core::Result<std::vector<JournalCycle>> cycles(const std::string& run_id);
  core::Status log_broker_link(const std::string& run_id, const JournalBrokerLink& link);
  // In the order logged; fails on a journal from before schema v3.
  core::Result<std::vector<JournalBrokerLink>> broker_links(const std::string& run_id);
  core::Result<std::vector<JournalDecision>> decisions(const std::string& run_id);

 private:
  explicit Journal(std::unique_ptr<JournalDatabase> db) : db_(std::move(db)) {}
  core::Status migrate();
  core::Result<std::vector<SqlRow>> query(std::string_view sql, std::initializer_list<SqlValue> params = {});
  core::Status execute(std::string_view sql, std::initializer_list<SqlValue> params = {});
  // Writes `insert` unless a row with the same key exists (found by `find`, which selects its
  // fingerprint): then the stored fingerprint must equal `derived`.
  core::Status put_verified(std::string_view what, const std::string& key, std::string_view find,
                            std::initializer_list<SqlValue> find_params, const std::string& derived,
                            std::string_view insert, std::initializer_list<SqlValue> insert_params);
  core::Status verify(std::string_view what, const std::string& key, const std::string& stored,
                      const std::string& derived) const;

  std::unique_ptr<JournalDatabase> db_;
  bool in_transaction_ = false;
};

// The identity of a row, for comparing a re-derived row with a journaled one.
std::string fingerprint(const JournalOrder& order);
std::string fingerprint(const JournalEvent& event);
std::string fingerprint(const JournalDay& day);
std::string fingerprint(const JournalDecision& decision);

}  // namespace kestrel::store
