// The trading journal in a SQLite file (store/journal_database.hpp).
#include <array>
#include <unordered_map>

#include "store/journal_database.hpp"
#include "store/sqlite.hpp"

namespace kestrel::store {
namespace {

// Versioned schema: never edit a released entry; append a new one. Dates are days since
// 1970-01-01, timestamps nanoseconds since the epoch (UTC); the views show them as text for
// ad-hoc SQL. The PostgreSQL schema (journal_postgres.cpp) has the same tables and keys.
constexpr std::array<std::string_view, 3> kMigrations = {
    R"sql(
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
)sql",
    // v2: the node's cycles (one per session it closed, or a failure), for its health metrics.
    R"sql(
CREATE TABLE cycles(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  started_at TEXT NOT NULL,
  session INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  result TEXT NOT NULL,
  broker_requests INTEGER NOT NULL,
  broker_errors INTEGER NOT NULL,
  broker_seconds REAL NOT NULL);
)sql",
    // v3: the broker's stream connection, one row per change, for the disconnection alert.
    R"sql(
CREATE TABLE broker_link(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  at TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL);
)sql",
};

class SqliteJournalDatabase final : public JournalDatabase {
 public:
  explicit SqliteJournalDatabase(sqlite::Database db) : db_(std::move(db)), name_(db_.path().string()) {}

  const std::string& name() const override { return name_; }
  std::span<const std::string_view> migrations() const override { return kMigrations; }
  std::string_view insertion_order() const override { return "rowid"; }
  core::Status exec(std::string_view sql) override { return db_.exec(sql); }

  core::Result<std::vector<SqlRow>> query(std::string_view sql, std::span<const SqlValue> params) override {
    auto it = statements_.find(std::string(sql));
    if (it == statements_.end()) {
      auto stmt = db_.prepare(sql);
      if (!stmt) return std::unexpected(stmt.error());
      it = statements_.emplace(std::string(sql), std::make_unique<sqlite::Statement>(std::move(*stmt))).first;
    }
    sqlite::Statement& s = *it->second;
    s.reset();
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              s.bind_null(index);
            } else if constexpr (std::is_same_v<T, std::string>) {
              s.bind(index, std::string_view(v));
            } else {
              s.bind(index, v);
            }
          },
          params[i]);
    }
    std::vector<SqlRow> rows;
    for (;;) {
      auto more = s.step();
      if (!more) {
        s.reset();
        return core::fail("{}: {}", name_, more.error().message);
      }
      if (!*more) break;
      SqlRow row;
      row.values.reserve(static_cast<std::size_t>(s.columns()));
      for (int c = 0; c < s.columns(); ++c) {
        switch (s.type(c)) {
          case SQLITE_NULL: row.values.emplace_back(std::monostate{}); break;
          case SQLITE_INTEGER: row.values.emplace_back(s.int64(c)); break;
          case SQLITE_FLOAT: row.values.emplace_back(s.real(c)); break;
          default: row.values.emplace_back(s.text(c)); break;
        }
      }
      rows.push_back(std::move(row));
    }
    s.reset();
    return rows;
  }

  core::Status begin() override { return db_.exec("BEGIN IMMEDIATE"); }
  core::Status commit() override {
    if (auto s = db_.exec("COMMIT"); !s) {
      (void)db_.exec("ROLLBACK");
      return s;
    }
    return {};
  }
  void rollback() override { (void)db_.exec("ROLLBACK"); }
  core::Status begin_read() override { return db_.exec("BEGIN"); }
  void end_read() override { (void)db_.exec("COMMIT"); }
  // BEGIN IMMEDIATE already holds the only write lock.
  core::Status lock_for_migration() override { return {}; }

 private:
  sqlite::Database db_;
  std::string name_;
  std::unordered_map<std::string, std::unique_ptr<sqlite::Statement>> statements_;
};

}  // namespace

core::Result<std::unique_ptr<JournalDatabase>> open_sqlite_journal_database(const std::string& path,
                                                                          JournalDatabase::Durability durability) {
  auto db = sqlite::Database::open(path, sqlite::Database::Mode::ReadWriteCreate);
  if (!db) return std::unexpected(db.error());
  for (const char* pragma :
       {"PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000",
        durability == JournalDatabase::Durability::Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"}) {
    if (auto s = db->exec(pragma); !s) return std::unexpected(s.error());
  }
  return std::make_unique<SqliteJournalDatabase>(std::move(*db));
}

}  // namespace kestrel::store
