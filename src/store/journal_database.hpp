#pragma once
// Where a trading journal lives: a SQLite file (the default: the store's file or one of its
// own) or a PostgreSQL database (a `postgresql://` or `postgres://` URL), chosen by the
// journal's location. The journal (store/journal.hpp) writes the same SQL to both through this
// interface: statements with `?` placeholders, values as int64 / double / text / NULL, and an
// explicit write transaction. Each backend brings its own schema migrations (the types and
// views differ; the tables, columns and keys are the same).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace kestrel::store {

using SqlValue = std::variant<std::monostate, std::int64_t, double, std::string>;

struct SqlRow {
  std::vector<SqlValue> values;
  bool is_null(std::size_t col) const { return std::holds_alternative<std::monostate>(values.at(col)); }
  std::int64_t int64(std::size_t col) const;
  double real(std::size_t col) const;
  std::string text(std::size_t col) const;
};

class JournalDatabase {
 public:
  // Full: a commit is on disk before it returns (paper and live trading). Normal: safe against
  // a killed process, not a power cut (replays, which can be rerun).
  enum class Durability { Full, Normal };

  virtual ~JournalDatabase() = default;
  // The file, or the URL without its password: for messages.
  virtual const std::string& name() const = 0;
  // The schema, version by version: entry i moves the journal from version i to i + 1.
  virtual std::span<const std::string_view> migrations() const = 0;
  // The column that orders runs by insertion where their creation times tie.
  virtual std::string_view insertion_order() const = 0;
  // A script of statements without parameters.
  virtual core::Status exec(std::string_view sql) = 0;
  // One statement with `?` placeholders bound to `params` in order; its rows.
  virtual core::Result<std::vector<SqlRow>> query(std::string_view sql, std::span<const SqlValue> params) = 0;
  // The write transaction: one writer at a time (SQLite's BEGIN IMMEDIATE; PostgreSQL's row
  // and table locks).
  virtual core::Status begin() = 0;
  virtual core::Status commit() = 0;
  virtual void rollback() = 0;
  // A read transaction: every query until end_read() sees one consistent state of the
  // journal, whatever a node commits meanwhile, and takes no write lock (SQLite's deferred
  // BEGIN on a WAL file; PostgreSQL's REPEATABLE READ, READ ONLY).
  virtual core::Status begin_read() = 0;
  virtual void end_read() = 0;
  // Serialises schema migrations between processes; called inside begin().
  virtual core::Status lock_for_migration() = 0;
};

// True for a PostgreSQL URL (postgresql://… or postgres://…).
bool is_postgres_location(std::string_view location);
// The location for messages and logs: a URL's password replaced by "***".
std::string redacted_location(std::string_view location);
// Where a PostgreSQL URL holds a password, as [begin, end) offsets of the value: in the user
// information (user:PASSWORD@host) and as a query parameter (…?password=VALUE), in order.
struct UrlPassword {
  std::size_t begin = 0, end = 0;
  bool in_query = false;
};
std::vector<UrlPassword> url_passwords(std::string_view url);

// Opens (creating a SQLite file when needed) the database at `location`: a PostgreSQL URL or
// a SQLite file.
core::Result<std::unique_ptr<JournalDatabase>> open_journal_database(const std::string& location,
                                                                   JournalDatabase::Durability durability);
core::Result<std::unique_ptr<JournalDatabase>> open_sqlite_journal_database(const std::string& path,
                                                                          JournalDatabase::Durability durability);
core::Result<std::unique_ptr<JournalDatabase>> open_postgres_journal_database(const std::string& url,
                                                                            JournalDatabase::Durability durability);

}  // namespace kestrel::store
