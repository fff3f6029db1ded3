#include "store/backup.hpp"

#include <chrono>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "store/sqlite.hpp"

namespace kestrel::store {
namespace {

// Copies every page of `from` into `to` in one step, waiting while another connection holds a
// lock. One step reads under one read transaction: a copy made in slices would start over
// each time the node commits, and might never finish while it runs.
core::Status copy_pages(sqlite::Database& from, sqlite::Database& to, const std::filesystem::path& what) {
  sqlite3_backup* b = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (b == nullptr) return core::fail_as(core::ErrorKind::Io, "{}: cannot start the copy: {}", what.string(), to.last_error());
  int rc = SQLITE_OK;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    rc = sqlite3_backup_step(b, -1);
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } while (rc == SQLITE_OK || ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && std::chrono::steady_clock::now() < deadline));
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    return core::fail_as(core::ErrorKind::Io, "{}: copy failed: {}", what.string(), sqlite3_errstr(rc));
  }
  return {};
}

core::Status check_integrity(sqlite::Database& db) {
  auto stmt = db.prepare("PRAGMA integrity_check");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  const std::string verdict = *row ? stmt->text(0) : "no answer";
  if (verdict != "ok") {
    return core::fail_as(core::ErrorKind::Config, "{}: integrity check failed: {}", db.path().string(), verdict);
  }
  return {};
}

core::Result<sqlite::Database> open_checked(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) return core::fail_as(core::ErrorKind::NotFound, "{}: no such file", file.string());
  auto db = sqlite::Database::open(file, sqlite::Database::Mode::ReadOnly);
  if (!db) return std::unexpected(db.error());
  if (auto s = check_integrity(*db); !s) return std::unexpected(s.error());
  return db;
}

}  // namespace

std::string backup_stamp() {
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  return fmt::format("{:%Y%m%d-%H%M%S}.{:03}", seconds, (now - seconds).count());
}

core::Status make_backup_folder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return {};
  const auto parent = dir.has_parent_path() ? dir.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, ec)) {
    return core::fail_as(core::ErrorKind::Io, "{}: the folder {} does not exist (create it first)", dir.string(), parent.string());
  }
  if (!std::filesystem::create_directory(dir, ec) && ec) {
    return core::fail_as(core::ErrorKind::Io, "{}: cannot create it: {}", dir.string(), ec.message());
  }
  return {};
}

core::Result<BackupResult> backup_database(const std::filesystem::path& db, const std::filesystem::path& dir) {
  auto source = open_checked(db);
  if (!source) return std::unexpected(source.error());
  if (auto s = make_backup_folder(dir); !s) return std::unexpected(s.error());
  std::error_code ec;
  BackupResult result;
  result.file = dir / fmt::format("{}-{}.db", db.stem().string(), backup_stamp());
  if (std::filesystem::exists(result.file)) {
    return core::fail_as(core::ErrorKind::Config, "{}: already exists", result.file.string());
  }
  const auto partial = std::filesystem::path(result.file.string() + ".partial");
  std::filesystem::remove(partial, ec);
  core::Status copied;
  {
    auto target = sqlite::Database::open(partial, sqlite::Database::Mode::ReadWriteCreate);
    if (!target) return std::unexpected(target.error());
    copied = copy_pages(*source, *target, db);
    // A backup is one self-contained file: no -wal or -shm beside it, even when read.
    if (copied) copied = target->exec("PRAGMA journal_mode = DELETE");
    if (copied) copied = check_integrity(*target);
  }  // closed before the file is removed or renamed
  if (!copied) {
    std::filesystem::remove(partial, ec);
    return std::unexpected(copied.error());
  }
  std::filesystem::rename(partial, result.file, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "{}: cannot rename into place: {}", result.file.string(), ec.message());
  result.bytes = std::filesystem::file_size(result.file);
  return result;
}

core::Result<std::filesystem::path> restore_database(const std::filesystem::path& backup, const std::filesystem::path& db,
                                                     bool replace) {
  auto source = open_checked(backup);
  if (!source) return std::unexpected(source.error());
  std::filesystem::path saved;
  if (std::filesystem::exists(db)) {
    if (!replace) {
      return core::fail_as(core::ErrorKind::Config, "{}: exists; add --replace to restore over it (its content is saved first)",
                           db.string());
    }
    // What is there now is backed up beside it before anything is overwritten.
    auto current = open_checked(db);
    if (!current) return std::unexpected(current.error());
    saved = std::filesystem::path(db.string() + ".before-restore-" + backup_stamp());
    auto keep = sqlite::Database::open(saved, sqlite::Database::Mode::ReadWriteCreate);
    if (!keep) return std::unexpected(keep.error());
    if (auto s = copy_pages(*current, *keep, db); !s) return std::unexpected(s.error());
    if (auto s = keep->exec("PRAGMA journal_mode = DELETE"); !s) return std::unexpected(s.error());
  }
  auto target = sqlite::Database::open(db, sqlite::Database::Mode::ReadWriteCreate);
  if (!target) return std::unexpected(target.error());
  if (auto s = copy_pages(*source, *target, backup); !s) return std::unexpected(s.error());
  if (auto s = check_integrity(*target); !s) return std::unexpected(s.error());
  return saved;
}

}  // namespace kestrel::store
