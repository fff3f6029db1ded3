// The trading journal in a PostgreSQL database (store/journal_database.hpp), through libpqxx
// 6.4 (Debian 12). Built into the module kestrel-postgres.so (plugin_entry.cpp), which the
// store loads only for a postgresql:// location. The location is a libpq URL, postgresql://[user[:password]@]host[:port]/db
// [?param=…]; a password is better kept in ~/.pgpass or PGPASSWORD than in the config. The
// URL is never printed with its password.
#include <array>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "store/journal_database.hpp"
#include "store_postgres/journal_postgres.hpp"

namespace kestrel::store {
namespace {

// The same tables, columns and keys as the SQLite schema (journal_sqlite.cpp), in PostgreSQL's
// types: BIGINT for sequences and nanosecond timestamps, DOUBLE PRECISION for amounts (REAL
// is 4 bytes here), and a created_order column for what SQLite's rowid gives.
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
  finished INTEGER NOT NULL DEFAULT 0,
  created_order BIGSERIAL);
CREATE TABLE run_starts(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  started_at TEXT NOT NULL,
  pid BIGINT NOT NULL,
  note TEXT NOT NULL);
CREATE TABLE orders(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  order_id BIGINT NOT NULL,
  client_order_id TEXT NOT NULL UNIQUE,
  date INTEGER NOT NULL,
  created_ns BIGINT NOT NULL,
  ticker TEXT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL, tif TEXT NOT NULL,
  tag TEXT NOT NULL, origin TEXT NOT NULL,
  quantity DOUBLE PRECISION NOT NULL, limit_price DOUBLE PRECISION NOT NULL, stop_price DOUBLE PRECISION NOT NULL,
  parent BIGINT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, order_id));
CREATE TABLE order_events(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  seq BIGINT NOT NULL,
  order_id BIGINT NOT NULL,
  client_order_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  ts BIGINT NOT NULL,
  execution_id TEXT NOT NULL,
  ticker TEXT NOT NULL, side TEXT NOT NULL,
  quantity DOUBLE PRECISION NOT NULL, price DOUBLE PRECISION NOT NULL, commission DOUBLE PRECISION NOT NULL,
  reason TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, seq));
CREATE TABLE days(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  date INTEGER NOT NULL,
  equity DOUBLE PRECISION NOT NULL, cash DOUBLE PRECISION NOT NULL, market_value DOUBLE PRECISION NOT NULL,
  gross_exposure DOUBLE PRECISION NOT NULL,
  positions BIGINT NOT NULL, benchmark DOUBLE PRECISION NOT NULL, orders_sent BIGINT NOT NULL,
  last_event_seq BIGINT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, date));
CREATE TABLE positions(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  date INTEGER NOT NULL,
  ticker TEXT NOT NULL,
  quantity DOUBLE PRECISION NOT NULL, average_cost DOUBLE PRECISION NOT NULL, last_price DOUBLE PRECISION NOT NULL,
  market_value DOUBLE PRECISION NOT NULL, unrealized DOUBLE PRECISION NOT NULL, entry_date INTEGER NOT NULL,
  stop_level DOUBLE PRECISION NOT NULL,
  PRIMARY KEY(run_id, date, ticker));
CREATE TABLE predictions(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  date INTEGER NOT NULL,
  ticker TEXT NOT NULL,
  model TEXT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  PRIMARY KEY(run_id, date, ticker));
CREATE TABLE decisions(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  seq BIGINT NOT NULL,
  date INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  PRIMARY KEY(run_id, seq));
CREATE TABLE controls(
  id BIGSERIAL PRIMARY KEY,
  run_id TEXT NOT NULL,
  action TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  consumed_by TEXT);
CREATE VIEW fills AS
  SELECT run_id, seq, client_order_id, execution_id, ticker, side, quantity, price, commission,
         to_timestamp(ts / 1e9) AT TIME ZONE 'UTC' AS time
  FROM order_events WHERE kind = 'fill';
CREATE VIEW equity AS
  SELECT run_id, DATE '1970-01-01' + date AS date, equity, cash, market_value, gross_exposure, positions
  FROM days;
)sql",
    R"sql(
CREATE TABLE cycles(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  started_at TEXT NOT NULL,
  session INTEGER NOT NULL,
  duration_ms DOUBLE PRECISION NOT NULL,
  result TEXT NOT NULL,
  broker_requests BIGINT NOT NULL,
  broker_errors BIGINT NOT NULL,
  broker_seconds DOUBLE PRECISION NOT NULL,
  created_order BIGSERIAL);
)sql",
    R"sql(
CREATE TABLE broker_link(
  run_id TEXT NOT NULL REFERENCES runs(run_id),
  at TEXT NOT NULL,
  state TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_order BIGSERIAL);
)sql",
};

// `?` placeholders (the SQLite spelling the journal writes) to PostgreSQL's $1, $2, …; a `?`
// inside a quoted literal is left alone.
std::string numbered_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  bool quoted = false;
  for (const char c : sql) {
    if (c == '\'') quoted = !quoted;
    if (c == '?' && !quoted) {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

// PostgreSQL's shortest round-trip text of a float8, subnormals included (std::stod refuses
// those as out of range).
double parse_double(std::string_view v) {
  double d = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec == std::errc() && end == v.data() + v.size()) return d;
  if (v == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (v == "Infinity") return std::numeric_limits<double>::infinity();
  if (v == "-Infinity") return -std::numeric_limits<double>::infinity();
  throw std::runtime_error(fmt::format("not a number: \"{}\"", v));
}

// PostgreSQL type OIDs of the columns the journal reads (pg_type.h).
constexpr pqxx::oid kInt2 = 21, kInt4 = 23, kInt8 = 20, kFloat4 = 700, kFloat8 = 701, kBool = 16;

class PostgresJournalDatabase final : public JournalDatabase {
 public:
  PostgresJournalDatabase(std::unique_ptr<pqxx::connection> connection, std::string name)
      : connection_(std::move(connection)), name_(std::move(name)) {}
  ~PostgresJournalDatabase() override { rollback(); }

  const std::string& name() const override { return name_; }
  std::span<const std::string_view> migrations() const override { return kMigrations; }
  std::string_view insertion_order() const override { return "created_order"; }

  core::Status exec(std::string_view sql) override {
    return guarded([&]() -> core::Status {
      if (transaction_) {
        transaction_->exec(std::string(sql));
      } else {
        pqxx::nontransaction once(*connection_);
        once.exec(std::string(sql));
      }
      return {};
    });
  }

  core::Result<std::vector<SqlRow>> query(std::string_view sql, std::span<const SqlValue> params) override {
    std::vector<std::string> text(params.size());
    std::vector<const char*> values(params.size(), nullptr);  // nullptr: SQL NULL
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (std::holds_alternative<std::monostate>(params[i])) continue;
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        text[i] = *s;
      } else if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        text[i] = std::to_string(*n);
      } else {
        text[i] = fmt::format("{}", std::get<double>(params[i]));  // shortest text that reads back exactly
      }
      values[i] = text[i].c_str();
    }
    std::vector<SqlRow> rows;
    auto status = guarded([&]() -> core::Status {
      // Each statement is prepared once per connection: parsed and planned once, not per row.
      auto it = prepared_.find(std::string(sql));
      if (it == prepared_.end()) {
        const std::string name = fmt::format("k{}", prepared_.size());
        connection_->prepare(name, numbered_placeholders(sql));
        it = prepared_.emplace(std::string(sql), name).first;
      }
      const std::string& statement = it->second;

      const auto run = [&](pqxx::transaction_base& tx) {
        return tx.exec_prepared(statement, pqxx::prepare::make_dynamic_params(values));
      };
      pqxx::result result;
      if (transaction_) {
        result = run(*transaction_);
      } else {
        pqxx::nontransaction once(*connection_);
        result = run(once);
      }
      rows.reserve(result.size());
      for (const auto& r : result) {
        SqlRow row;
        row.values.reserve(r.size());
        for (const auto& field : r) {
          if (field.is_null()) {
            row.values.emplace_back(std::monostate{});
            continue;
          }
          const std::string_view v(field.c_str(), field.size());
          switch (field.type()) {
            case kInt2: case kInt4: case kInt8: {
              std::int64_t n = 0;
              std::from_chars(v.data(), v.data() + v.size(), n);
              row.values.emplace_back(n);
              break;
            }
            case kFloat4: case kFloat8: row.values.emplace_back(parse_double(v)); break;
            case kBool: row.values.emplace_back(std::int64_t{v == "t" ? 1 : 0}); break;
            default: row.values.emplace_back(std::string(v)); break;
          }
        }
        rows.push_back(std::move(row));
      }
      return {};
    });
    if (!status) return std::unexpected(status.error());
    return rows;
  }

  core::Status begin() override {
    if (transaction_) return core::fail("{}: a transaction is already open", name_);
    return guarded([&]() -> core::Status {
      transaction_ = std::make_unique<pqxx::work>(*connection_);
      return {};
    });
  }

  core::Status commit() override {
    if (!transaction_) return core::fail("{}: no transaction to commit", name_);
    auto tx = std::move(transaction_);
    return guarded([&]() -> core::Status {
      tx->commit();
      return {};
    });
  }

  void rollback() override {
    if (!transaction_) return;
    auto tx = std::move(transaction_);
    try {
      tx->abort();
    } catch (const std::exception&) {
      // A broken connection has lost the transaction already.
    }
  }

  core::Status begin_read() override {
    if (transaction_) return core::fail("{}: a transaction is already open", name_);
    return guarded([&]() -> core::Status {
      transaction_ = std::make_unique<pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(*connection_);
      return {};
    });
  }

  void end_read() override { rollback(); }  // nothing was written

  core::Status lock_for_migration() override {
    // One process at a time creates or upgrades the schema; the lock ends with the transaction.
    return exec("SELECT pg_advisory_xact_lock(7301745211)");
  }

 private:
  // libpqxx reports by exceptions; the journal by core::Status, naming the database.
  template <class F>
  core::Status guarded(F&& f) {
    try {
      return f();
    } catch (const pqxx::sql_error& e) {
      return core::fail("{}: PostgreSQL: {} (SQLSTATE {})", name_, trimmed(e.what()), e.sqlstate());
    } catch (const std::exception& e) {
      return core::fail("{}: PostgreSQL: {}", name_, trimmed(e.what()));
    }
  }
  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<pqxx::transaction_base> transaction_;  // a pqxx::work, or a read-only snapshot
  std::string name_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL → prepared statement name
};

}  // namespace

core::Result<std::unique_ptr<JournalDatabase>> open_postgres_in_process(const std::string& url,
                                                                       JournalDatabase::Durability durability) {
  const std::string name = redacted_location(url);
  try {
    auto connection = std::make_unique<pqxx::connection>(url);
    auto db = std::make_unique<PostgresJournalDatabase>(std::move(connection), name);
    // Full: PostgreSQL's default (synchronous_commit on, the commit is flushed to its WAL).
    if (durability == JournalDatabase::Durability::Normal) {
      if (auto s = db->exec("SET synchronous_commit = off"); !s) return std::unexpected(s.error());
    }
    if (auto s = db->exec("SET client_min_messages = warning"); !s) return std::unexpected(s.error());
    return std::unique_ptr<JournalDatabase>(std::move(db));
  } catch (const std::exception& e) {
    std::string message = e.what();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return core::fail_as(core::ErrorKind::Io, "{}: cannot connect to PostgreSQL: {}", name, message);
  }
}

}  // namespace kestrel::store
