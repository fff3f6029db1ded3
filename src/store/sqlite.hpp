#pragma once
// Thin RAII wrappers over the SQLite C API: a connection, prepared statements, and a
// transaction guard that rolls back unless committed.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace kestrel::store::sqlite {

class Statement;

class Database {
 public:
  enum class Mode { ReadOnly, ReadWriteCreate };
  static core::Result<Database> open(const std::filesystem::path& path, Mode mode);

  Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  core::Status exec(std::string_view sql);
  core::Result<Statement> prepare(std::string_view sql);
  std::int64_t total_changes() const { return sqlite3_total_changes64(db_); }
  const std::filesystem::path& path() const { return path_; }
  sqlite3* handle() const { return db_; }
  std::string last_error() const { return sqlite3_errmsg(db_); }

 private:
  Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class Statement {
 public:
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {}
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  Statement& bind(int index, std::int64_t v) { sqlite3_bind_int64(stmt_, index, v); return *this; }
  Statement& bind(int index, int v) { sqlite3_bind_int64(stmt_, index, v); return *this; }
  Statement& bind(int index, double v) { sqlite3_bind_double(stmt_, index, v); return *this; }
  Statement& bind(int index, std::string_view v) {
    sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int index) { sqlite3_bind_null(stmt_, index); return *this; }

  // true: a row is available; false: done. Errors carry SQLite's message.
  core::Result<bool> step();
  // Runs to completion (for INSERT/UPDATE) and resets for reuse.
  core::Status run();
  void reset() { sqlite3_reset(stmt_); sqlite3_clear_bindings(stmt_); }

  int columns() const { return sqlite3_column_count(stmt_); }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int type(int col) const { return sqlite3_column_type(stmt_, col); }  // SQLITE_INTEGER, SQLITE_FLOAT, …
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }

 private:
  friend class Database;
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static core::Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction(const Transaction&) = delete;
  ~Transaction();
  core::Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace kestrel::store::sqlite
