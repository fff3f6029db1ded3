#pragma once
// Backups of a SQLite file — the market-data store or a trading node's journal — taken with
// SQLite's online backup API, so a node may keep writing while it runs: the copy is one
// consistent state of the file (a transaction is in it whole or not at all), never a
// half-written page as a file copy could catch.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace kestrel::store {

struct BackupResult {
  std::filesystem::path file;
  std::uintmax_t bytes = 0;
};

// yyyymmdd-hhmmss.mmm (UTC), for backup file names: sorts by time, and two backups a second
// apart do not collide.
std::string backup_stamp();
// The backup folder: created when missing if its parent exists (a typo must not create a tree).
core::Status make_backup_folder(const std::filesystem::path& dir);

// Copies `db` to `dir`/<name>-<UTC yyyymmdd-hhmmss.mmm>.db (dir is created when its parent
// exists), through a temporary file renamed into place once SQLite's integrity check of the
// copy says "ok".
core::Result<BackupResult> backup_database(const std::filesystem::path& db, const std::filesystem::path& dir);

// Restores `backup` into `db` after checking the backup's integrity. An existing `db` is
// replaced only with `replace`, and its current content is first saved beside it as
// <db>.before-restore-<UTC timestamp> (returned), so a restore never loses what was there.
// The copy goes through SQLite into the live file: a process holding `db` open sees the
// restored content, and a writer busy with it makes the restore wait, then fail, not corrupt.
core::Result<std::filesystem::path> restore_database(const std::filesystem::path& backup, const std::filesystem::path& db,
                                                     bool replace);

}  // namespace kestrel::store
