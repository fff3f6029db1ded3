#include "store/sqlite.hpp"

namespace kestrel::store::sqlite {

core::Result<Database> Database::open(const std::filesystem::path& path, Mode mode) {
  if (mode == Mode::ReadOnly && !std::filesystem::exists(path)) {
    return core::fail("{}: no market-data store here (create one with `kestrel data import`)",
                      path.string());
  }
  if (mode == Mode::ReadWriteCreate && path.has_parent_path()) {
    // A typo in --db must not create a tree of folders somewhere: the folder must exist.
    std::error_code ec;
    if (!std::filesystem::is_directory(path.parent_path(), ec)) {
      return core::fail_as(core::ErrorKind::Io, "{}: the folder {} does not exist (create it first)", path.string(),
                           path.parent_path().string());
    }
  }
  sqlite3* db = nullptr;
  const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return core::fail("{}: cannot open store: {}", path.string(), message);
  }
  sqlite3_busy_timeout(db, 5000);
  return Database(db, path);
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Database::~Database() { sqlite3_close(db_); }

core::Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  const std::string owned(sql);
  if (sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return core::fail("{}: SQLite: {}", path_.string(), text);
  }
  return {};
}

core::Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return core::fail("{}: SQLite: {} (in: {})", path_.string(), sqlite3_errmsg(db_), sql);
  }
  return Statement(stmt, db_);
}

core::Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return core::fail("SQLite: {}", sqlite3_errmsg(db_));
}

core::Status Statement::run() {
  auto r = step();
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (!r) return std::unexpected(r.error());
  return {};
}

core::Result<Transaction> Transaction::begin(Database& db) {
  if (auto s = db.exec("BEGIN IMMEDIATE"); !s) return std::unexpected(s.error());
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

core::Status Transaction::commit() {
  auto s = db_->exec("COMMIT");
  if (s) db_ = nullptr;
  return s;
}

}  // namespace kestrel::store::sqlite
