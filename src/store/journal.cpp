#include "store/journal.hpp"

#include <array>

#include <fmt/format.h>

namespace kestrel::store {
namespace {

// Versioned schema: entry i moves the journal from version i to i + 1. Never edit a
// released entry; append a new one. Dates are days since 1970-01-01, timestamps nanoseconds
// since the epoch (UTC); the views show them as text for ad-hoc SQL.
constexpr std::array<std::string_view, 1> kMigrations = {
    R"sql(
CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(
  run_id TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  name TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  config_text TEXT NOT NULL,
  first_date INTEGER NOT NULL,
  last_date INTEGER,
  created_at TEXT NOT NULL,
  finished INTEGER NOT NULL DEFAULT 0);
CREATE TABLE run_starts(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  started_at TEXT NOT NULL,
  pid INTEGER NOT NULL,
  note TEXT NOT NULL);
CREATE TABLE orders(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  order_id INTEGER NOT NULL,
  client_order_id TEXT NOT NULL UNIQUE,
  date INTEGER NOT NULL,
  created_ns INTEGER NOT NULL,
  ticker TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, tif TEXT NOT NULL,
  tag TEXT NOT NULL, origin TEXT NOT NULL,
  quantity REAL NOT NULL, limit_price REAL NOT NULL, stop_price REAL NOT NULL,
  parent INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, order_id)) WITHOUT ROWID;
CREATE TABLE order_events(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  seq INTEGER NOT NULL,
  order_id INTEGER NOT NULL,
  client_order_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  ts INTEGER NOT NULL,
  execution_id TEXT NOT NULL,
  ticker TEXT NOT NULL, side TEXT NOT NULL,
  quantity REAL NOT NULL, price REAL NOT NULL, commission REAL NOT NULL,
  reason TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
CREATE TABLE days(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  date INTEGER NOT NULL,
  equity REAL NOT NULL, cash REAL NOT NULL, market_value REAL NOT NULL, gross_exposure REAL NOT NULL,
  positions INTEGER NOT NULL, benchmark REAL NOT NULL, orders_sent INTEGER NOT NULL,
  last_event_seq INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, date)) WITHOUT ROWID;
CREATE TABLE positions(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  date INTEGER NOT NULL,
  ticker TEXT NOT NULL,
  quantity REAL NOT NULL, average_cost REAL NOT NULL, last_price REAL NOT NULL,
  market_value REAL NOT NULL, unrealized REAL NOT NULL, entry_date INTEGER NOT NULL, stop_level REAL NOT NULL,
  PRIMARY KEY(run_id, date, ticker)) WITHOUT ROWID;
CREATE TABLE predictions(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  date INTEGER NOT NULL,
  ticker TEXT NOT NULL,
  model TEXT NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY(run_id, date, ticker)) WITHOUT ROWID;
CREATE TABLE decisions(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  seq INTEGER NOT NULL,
  date INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, seq)) WITHOUT ROWID;
CREATE TABLE controls(
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL,
  action TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  consumed_by TEXT);
CREATE VIEW fills AS
  SELECT run_id, seq, client_order_id, execution_id, ticker, side, quantity, price, commission,
         datetime(ts / 1000000000, 'unixepoch') AS time
  FROM order_events WHERE kind = 'fill';
CREATE VIEW equity AS
  SELECT run_id, date(date * 86400, 'unixepoch') AS date, equity, cash, market_value, gross_exposure, positions
  FROM days;
INSERT INTO journal_meta VALUES('schema_version', '0');
)sql",
};

std::string dollars(double v) { return fmt::format("{:.6f}", v); }

}  // namespace

std::string fingerprint(const JournalOrder& o) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", o.order_id, o.client_order_id, o.date.days(), o.ticker,
                     o.side, o.type, o.tif, o.tag, o.origin, dollars(o.quantity), dollars(o.limit_price),
                     dollars(o.stop_price), o.parent);
}

std::string fingerprint(const JournalEvent& e) {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}", e.seq, e.order_id, e.client_order_id, e.kind, e.execution_id,
                     dollars(e.quantity), dollars(e.price), dollars(e.commission), e.reason);
}

std::string fingerprint(const JournalDay& d) {
  return fmt::format("{}|{}|{}|{}|{}", d.date.days(), dollars(d.equity), dollars(d.cash), d.positions, d.orders_sent);
}

std::string fingerprint(const JournalDecision& d) {
  return fmt::format("{}|{}|{}|{}", d.seq, d.date.days(), d.kind, d.detail);
}

core::Result<Journal> Journal::open(const std::filesystem::path& path, Durability durability) {
  auto db = sqlite::Database::open(path, sqlite::Database::Mode::ReadWriteCreate);
  if (!db) return std::unexpected(db.error());
  Journal journal(std::move(*db));
  for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000"}) {
    if (auto s = journal.db_.exec(pragma); !s) return std::unexpected(s.error());
  }
  if (auto s = journal.db_.exec(durability == Durability::Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
      !s) {
    return std::unexpected(s.error());
  }
  if (auto s = journal.migrate(); !s) return std::unexpected(s.error());
  return journal;
}

core::Result<Journal> Journal::open_existing(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return core::fail_as(core::ErrorKind::NotFound, "{}: no such journal", path.string());
  auto db = sqlite::Database::open(path, sqlite::Database::Mode::ReadWriteCreate);
  if (!db) return std::unexpected(db.error());
  Journal journal(std::move(*db));
  if (auto s = journal.db_.exec("PRAGMA busy_timeout = 5000"); !s) return std::unexpected(s.error());
  auto stmt = journal.db_.prepare("SELECT value FROM sqlite_master m, journal_meta j WHERE m.name = 'journal_meta' "
                                  "AND j.key = 'schema_version'");
  if (!stmt) return core::fail_as(core::ErrorKind::NotFound, "{}: not a Kestrel trading journal", path.string());
  auto row = stmt->step();
  if (!row || !*row) return core::fail_as(core::ErrorKind::NotFound, "{}: not a Kestrel trading journal", path.string());
  return journal;
}

core::Status Journal::migrate() {
  if (auto s = db_.exec("CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)"); !s) return s;
  auto stmt = db_.prepare("SELECT value FROM journal_meta WHERE key = 'schema_version'");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  std::size_t version = 0;
  if (*row) version = static_cast<std::size_t>(std::stoll(stmt->text(0)));
  if (version > kMigrations.size()) {
    return core::fail("{}: journal schema v{} is newer than this kestrel (v{}); upgrade kestrel", db_.path().string(),
                      version, kMigrations.size());
  }
  for (std::size_t v = version; v < kMigrations.size(); ++v) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    if (auto s = db_.exec(kMigrations[v]); !s) return s;
    if (auto s = db_.exec(fmt::format("UPDATE journal_meta SET value = '{}' WHERE key = 'schema_version'", v + 1)); !s) {
      return s;
    }
    if (auto s = tx->commit(); !s) return s;
  }
  return {};
}

core::Result<sqlite::Statement*> Journal::statement(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) {
    auto stmt = db_.prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    it = statements_.emplace(std::string(sql), std::make_unique<sqlite::Statement>(std::move(*stmt))).first;
  }
  it->second->reset();
  return it->second.get();
}

core::Status Journal::verify(std::string_view what, const std::string& key, const std::string& stored,
                             const std::string& derived) const {
  if (stored == derived) return {};
  return core::fail_as(core::ErrorKind::Internal,
                       "{}: the journal's {} {} differs from what the re-run derived:\n  journal: {}\n  re-run:  {}",
                       db_.path().string(), what, key, stored, derived);
}

// ---------------------------------------------------------------------------------------------
// Runs and controls

namespace {

JournalRun run_from(const sqlite::Statement& s) {
  JournalRun r;
  r.run_id = s.text(0);
  r.mode = s.text(1);
  r.name = s.text(2);
  r.config_hash = s.text(3);
  r.config_text = s.text(4);
  r.first_date = core::Date::from_days(static_cast<std::int32_t>(s.int64(5)));
  if (!s.is_null(6)) r.last_date = core::Date::from_days(static_cast<std::int32_t>(s.int64(6)));
  r.created_at = s.text(7);
  r.finished = s.int64(8) != 0;
  return r;
}

constexpr std::string_view kRunColumns =
    "run_id, mode, name, config_hash, config_text, first_date, last_date, created_at, finished";

}  // namespace

core::Status Journal::create_run(const JournalRun& r) {
  auto stmt = statement(fmt::format("INSERT INTO runs({}) VALUES(?,?,?,?,?,?,?,?,?)", kRunColumns));
  if (!stmt) return std::unexpected(stmt.error());
  auto& s = **stmt;
  s.bind(1, r.run_id).bind(2, r.mode).bind(3, r.name).bind(4, r.config_hash).bind(5, r.config_text);
  s.bind(6, static_cast<std::int64_t>(r.first_date.days()));
  if (r.last_date) {
    s.bind(7, static_cast<std::int64_t>(r.last_date->days()));
  } else {
    s.bind_null(7);
  }
  s.bind(8, r.created_at).bind(9, static_cast<std::int64_t>(r.finished ? 1 : 0));
  return s.run();
}

core::Result<std::optional<JournalRun>> Journal::run(const std::string& run_id) {
  auto stmt = statement(fmt::format("SELECT {} FROM runs WHERE run_id = ?", kRunColumns));
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id);
  auto row = (*stmt)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<JournalRun>{};
  return std::optional<JournalRun>{run_from(**stmt)};
}

core::Result<std::optional<JournalRun>> Journal::latest_run() {
  auto stmt = statement(fmt::format("SELECT {} FROM runs ORDER BY created_at DESC, rowid DESC LIMIT 1", kRunColumns));
  if (!stmt) return std::unexpected(stmt.error());
  auto row = (*stmt)->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<JournalRun>{};
  return std::optional<JournalRun>{run_from(**stmt)};
}

core::Result<std::optional<JournalRun>> Journal::unfinished_run(
    const std::string& mode, const std::string& config_hash, std::optional<std::pair<core::Date, core::Date>> range) {
  auto stmt = statement(fmt::format(
      "SELECT {} FROM runs WHERE finished = 0 AND mode = ? AND config_hash = ? AND "
      "((? = 0 AND last_date IS NULL) OR (? = 1 AND first_date = ? AND last_date = ?)) "
      "ORDER BY created_at DESC, rowid DESC LIMIT 1",
      kRunColumns));
  if (!stmt) return std::unexpected(stmt.error());
  auto& s = **stmt;
  const std::int64_t bounded = range ? 1 : 0;
  s.bind(1, mode).bind(2, config_hash).bind(3, bounded).bind(4, bounded);
  s.bind(5, static_cast<std::int64_t>(range ? range->first.days() : 0));
  s.bind(6, static_cast<std::int64_t>(range ? range->second.days() : 0));
  auto row = s.step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<JournalRun>{};
  JournalRun found = run_from(s);
  s.reset();
  return std::optional<JournalRun>{std::move(found)};
}

core::Status Journal::mark_finished(const std::string& run_id) {
  auto stmt = statement("UPDATE runs SET finished = 1 WHERE run_id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id);
  return (*stmt)->run();
}

core::Status Journal::log_start(const std::string& run_id, const std::string& started_at, std::int64_t pid,
                                const std::string& note) {
  auto stmt = statement("INSERT INTO run_starts(run_id, started_at, pid, note) VALUES(?,?,?,?)");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id).bind(2, started_at).bind(3, pid).bind(4, note);
  return (*stmt)->run();
}

core::Status Journal::request_control(const std::string& run_id, const std::string& action,
                                      const std::string& requested_at) {
  auto stmt = statement("INSERT INTO controls(run_id, action, requested_at) VALUES(?,?,?)");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id).bind(2, action).bind(3, requested_at);
  return (*stmt)->run();
}

core::Result<std::vector<JournalControl>> Journal::pending_controls(const std::string& run_id) {
  auto stmt = statement(
      "SELECT id, run_id, action, requested_at FROM controls WHERE consumed_by IS NULL AND (run_id = '' OR run_id = ?) "
      "ORDER BY id");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id);
  std::vector<JournalControl> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({.id = (*stmt)->int64(0), .run_id = (*stmt)->text(1), .action = (*stmt)->text(2),
                   .requested_at = (*stmt)->text(3)});
  }
  return out;
}

core::Status Journal::consume_control(std::int64_t id, const std::string& run_id) {
  auto stmt = statement("UPDATE controls SET consumed_by = ? WHERE id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id).bind(2, id);
  return (*stmt)->run();
}

// ---------------------------------------------------------------------------------------------
// Writing

core::Status Journal::begin() {
  if (in_transaction_) return core::fail("journal: a transaction is already open");
  if (auto s = db_.exec("BEGIN IMMEDIATE"); !s) return s;
  in_transaction_ = true;
  return {};
}

core::Status Journal::commit() {
  if (!in_transaction_) return core::fail("journal: no transaction to commit");
  in_transaction_ = false;
  if (auto s = db_.exec("COMMIT"); !s) {
    (void)db_.exec("ROLLBACK");
    return s;
  }
  return {};
}

void Journal::rollback() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  (void)db_.exec("ROLLBACK");
}

core::Status Journal::put_order(const std::string& run_id, const JournalOrder& o) {
  const std::string fp = fingerprint(o);
  auto find = statement("SELECT fingerprint FROM orders WHERE run_id = ? AND order_id = ?");
  if (!find) return std::unexpected(find.error());
  (*find)->bind(1, run_id).bind(2, o.order_id);
  auto row = (*find)->step();
  if (!row) return std::unexpected(row.error());
  if (*row) {
    const std::string stored = (*find)->text(0);
    (*find)->reset();
    return verify("order", std::to_string(o.order_id), stored, fp);
  }
  auto stmt = statement(
      "INSERT INTO orders(run_id, order_id, client_order_id, date, created_ns, ticker, side, type, tif, tag, origin, "
      "quantity, limit_price, stop_price, parent, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!stmt) return std::unexpected(stmt.error());
  auto& s = **stmt;
  s.bind(1, run_id).bind(2, o.order_id).bind(3, o.client_order_id).bind(4, static_cast<std::int64_t>(o.date.days()));
  s.bind(5, o.created_ns).bind(6, o.ticker).bind(7, o.side).bind(8, o.type).bind(9, o.tif).bind(10, o.tag);
  s.bind(11, o.origin).bind(12, o.quantity).bind(13, o.limit_price).bind(14, o.stop_price).bind(15, o.parent);
  s.bind(16, fp);
  return s.run();
}

core::Status Journal::put_event(const std::string& run_id, const JournalEvent& e) {
  const std::string fp = fingerprint(e);
  auto find = statement("SELECT fingerprint FROM order_events WHERE run_id = ? AND seq = ?");
  if (!find) return std::unexpected(find.error());
  (*find)->bind(1, run_id).bind(2, e.seq);
  auto row = (*find)->step();
  if (!row) return std::unexpected(row.error());
  if (*row) {
    const std::string stored = (*find)->text(0);
    (*find)->reset();
    return verify("order event", std::to_string(e.seq), stored, fp);
  }
  auto stmt = statement(
      "INSERT INTO order_events(run_id, seq, order_id, client_order_id, kind, ts, execution_id, ticker, side, quantity, "
      "price, commission, reason, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!stmt) return std::unexpected(stmt.error());
  auto& s = **stmt;
  s.bind(1, run_id).bind(2, e.seq).bind(3, e.order_id).bind(4, e.client_order_id).bind(5, e.kind).bind(6, e.ts);
  s.bind(7, e.execution_id).bind(8, e.ticker).bind(9, e.side).bind(10, e.quantity).bind(11, e.price);
  s.bind(12, e.commission).bind(13, e.reason).bind(14, fp);
  return s.run();
}

core::Status Journal::put_day(const std::string& run_id, const JournalDay& d) {
  const std::string fp = fingerprint(d);
  auto find = statement("SELECT fingerprint FROM days WHERE run_id = ? AND date = ?");
  if (!find) return std::unexpected(find.error());
  (*find)->bind(1, run_id).bind(2, static_cast<std::int64_t>(d.date.days()));
  auto row = (*find)->step();
  if (!row) return std::unexpected(row.error());
  if (*row) {
    const std::string stored = (*find)->text(0);
    (*find)->reset();
    return verify("day", d.date.to_string(), stored, fp);
  }
  auto stmt = statement(
      "INSERT INTO days(run_id, date, equity, cash, market_value, gross_exposure, positions, benchmark, orders_sent, "
      "last_event_seq, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  if (!stmt) return std::unexpected(stmt.error());
  auto& s = **stmt;
  s.bind(1, run_id).bind(2, static_cast<std::int64_t>(d.date.days())).bind(3, d.equity).bind(4, d.cash);
  s.bind(5, d.market_value).bind(6, d.gross_exposure).bind(7, d.positions).bind(8, d.benchmark).bind(9, d.orders_sent);
  s.bind(10, d.last_event_seq).bind(11, fp);
  return s.run();
}

core::Status Journal::put_position(const std::string& run_id, const JournalPosition& p) {
  auto stmt = statement(
      "INSERT INTO positions(run_id, date, ticker, quantity, average_cost, last_price, market_value, unrealized, "
      "entry_date, stop_level) VALUES(?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING");
  if (!stmt) return std::unexpected(stmt.error());
  auto& s = **stmt;
  s.bind(1, run_id).bind(2, static_cast<std::int64_t>(p.date.days())).bind(3, p.ticker).bind(4, p.quantity);
  s.bind(5, p.average_cost).bind(6, p.last_price).bind(7, p.market_value).bind(8, p.unrealized);
  s.bind(9, static_cast<std::int64_t>(p.entry_date.days())).bind(10, p.stop_level);
  return s.run();
}

core::Status Journal::put_prediction(const std::string& run_id, const std::string& model, const JournalPrediction& p) {
  auto stmt = statement(
      "INSERT INTO predictions(run_id, date, ticker, model, score) VALUES(?,?,?,?,?) ON CONFLICT DO NOTHING");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id).bind(2, static_cast<std::int64_t>(p.date.days())).bind(3, p.ticker).bind(4, model);
  (*stmt)->bind(5, p.score);
  return (*stmt)->run();
}

core::Status Journal::put_decision(const std::string& run_id, const JournalDecision& d) {
  const std::string fp = fingerprint(d);
  auto find = statement("SELECT fingerprint FROM decisions WHERE run_id = ? AND seq = ?");
  if (!find) return std::unexpected(find.error());
  (*find)->bind(1, run_id).bind(2, d.seq);
  auto row = (*find)->step();
  if (!row) return std::unexpected(row.error());
  if (*row) {
    const std::string stored = (*find)->text(0);
    (*find)->reset();
    return verify("decision", std::to_string(d.seq), stored, fp);
  }
  auto stmt = statement("INSERT INTO decisions(run_id, seq, date, kind, detail, fingerprint) VALUES(?,?,?,?,?,?)");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id).bind(2, d.seq).bind(3, static_cast<std::int64_t>(d.date.days())).bind(4, d.kind);
  (*stmt)->bind(5, d.detail).bind(6, fp);
  return (*stmt)->run();
}

// ---------------------------------------------------------------------------------------------
// Reading

namespace {

template <class Row, class Read>
core::Result<std::vector<Row>> read_all(core::Result<sqlite::Statement*> stmt, Read read) {
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<Row> out;
  for (;;) {
    auto row = (*stmt)->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back(read(**stmt));
  }
  (*stmt)->reset();
  return out;
}

core::Date day_of(std::int64_t days) { return core::Date::from_days(static_cast<std::int32_t>(days)); }

JournalOrder order_from(const sqlite::Statement& s) {
  return JournalOrder{.order_id = s.int64(0), .client_order_id = s.text(1), .date = day_of(s.int64(2)),
                      .created_ns = s.int64(3), .ticker = s.text(4), .side = s.text(5), .type = s.text(6),
                      .tif = s.text(7), .tag = s.text(8), .origin = s.text(9), .quantity = s.real(10),
                      .limit_price = s.real(11), .stop_price = s.real(12), .parent = s.int64(13)};
}

constexpr std::string_view kOrderColumns =
    "order_id, client_order_id, date, created_ns, ticker, side, type, tif, tag, origin, quantity, limit_price, "
    "stop_price, parent";

}  // namespace

core::Result<Journal::Extent> Journal::extent(const std::string& run_id) {
  auto stmt = statement(
      "SELECT (SELECT COALESCE(MAX(seq), 0) FROM order_events WHERE run_id = ?1), "
      "(SELECT COALESCE(MAX(seq), 0) FROM decisions WHERE run_id = ?1), (SELECT COUNT(*) FROM days WHERE run_id = ?1)");
  if (!stmt) return std::unexpected(stmt.error());
  (*stmt)->bind(1, run_id);
  auto row = (*stmt)->step();
  if (!row) return std::unexpected(row.error());
  Extent e{.events = (*stmt)->int64(0), .decisions = (*stmt)->int64(1), .days = (*stmt)->int64(2)};
  (*stmt)->reset();
  return e;
}

core::Result<std::vector<JournalOrder>> Journal::orders(const std::string& run_id) {
  auto stmt = statement(fmt::format("SELECT {} FROM orders WHERE run_id = ? ORDER BY order_id", kOrderColumns));
  if (stmt) (*stmt)->bind(1, run_id);
  return read_all<JournalOrder>(stmt, order_from);
}

core::Result<std::vector<JournalEvent>> Journal::events(const std::string& run_id) {
  auto stmt = statement(
      "SELECT seq, order_id, client_order_id, kind, ts, execution_id, ticker, side, quantity, price, commission, reason "
      "FROM order_events WHERE run_id = ? ORDER BY seq");
  if (stmt) (*stmt)->bind(1, run_id);
  return read_all<JournalEvent>(stmt, [](const sqlite::Statement& s) {
    return JournalEvent{.seq = s.int64(0), .order_id = s.int64(1), .client_order_id = s.text(2), .kind = s.text(3),
                        .ts = s.int64(4), .execution_id = s.text(5), .ticker = s.text(6), .side = s.text(7),
                        .quantity = s.real(8), .price = s.real(9), .commission = s.real(10), .reason = s.text(11)};
  });
}

core::Result<std::vector<JournalDay>> Journal::days(const std::string& run_id) {
  auto stmt = statement(
      "SELECT date, equity, cash, market_value, gross_exposure, positions, benchmark, orders_sent, last_event_seq "
      "FROM days WHERE run_id = ? ORDER BY date");
  if (stmt) (*stmt)->bind(1, run_id);
  return read_all<JournalDay>(stmt, [](const sqlite::Statement& s) {
    return JournalDay{.date = day_of(s.int64(0)), .equity = s.real(1), .cash = s.real(2), .market_value = s.real(3),
                      .gross_exposure = s.real(4), .positions = s.int64(5), .benchmark = s.real(6),
                      .orders_sent = s.int64(7), .last_event_seq = s.int64(8)};
  });
}

core::Result<std::vector<JournalPosition>> Journal::positions(const std::string& run_id, core::Date date) {
  auto stmt = statement(
      "SELECT date, ticker, quantity, average_cost, last_price, market_value, unrealized, entry_date, stop_level "
      "FROM positions WHERE run_id = ? AND date = ? ORDER BY ticker");
  if (stmt) (*stmt)->bind(1, run_id).bind(2, static_cast<std::int64_t>(date.days()));
  return read_all<JournalPosition>(stmt, [](const sqlite::Statement& s) {
    return JournalPosition{.date = day_of(s.int64(0)), .ticker = s.text(1), .quantity = s.real(2),
                           .average_cost = s.real(3), .last_price = s.real(4), .market_value = s.real(5),
                           .unrealized = s.real(6), .entry_date = day_of(s.int64(7)), .stop_level = s.real(8)};
  });
}

core::Result<std::vector<JournalPrediction>> Journal::predictions(const std::string& run_id, core::Date date) {
  auto stmt = statement("SELECT date, ticker, score FROM predictions WHERE run_id = ? AND date = ? ORDER BY ticker");
  if (stmt) (*stmt)->bind(1, run_id).bind(2, static_cast<std::int64_t>(date.days()));
  return read_all<JournalPrediction>(stmt, [](const sqlite::Statement& s) {
    return JournalPrediction{.date = day_of(s.int64(0)), .ticker = s.text(1), .score = s.real(2)};
  });
}

core::Result<std::vector<JournalDecision>> Journal::decisions(const std::string& run_id) {
  auto stmt = statement("SELECT seq, date, kind, detail FROM decisions WHERE run_id = ? ORDER BY seq");
  if (stmt) (*stmt)->bind(1, run_id);
  return read_all<JournalDecision>(stmt, [](const sqlite::Statement& s) {
    return JournalDecision{.seq = s.int64(0), .date = day_of(s.int64(1)), .kind = s.text(2), .detail = s.text(3)};
  });
}

}  // namespace kestrel::store
