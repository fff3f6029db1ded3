#pragma once
// Backups of a trading journal kept in PostgreSQL, with PostgreSQL's own tools: pg_dump in
// its custom format (one consistent snapshot of the database, taken while a node writes) and
// pg_restore in one transaction (all of the backup or nothing). The password never appears
// on a command line: it is taken out of the URL and handed to the tools in PGPASSWORD.
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "store/backup.hpp"

namespace kestrel::store {

// Dumps the database at `url` to `dir`/<database>-<UTC yyyymmdd-hhmmss.mmm>.pgdump (dir is
// created when its parent exists), through a temporary file renamed into place once
// pg_restore can read the whole archive.
core::Result<BackupResult> backup_postgres(const std::string& url, const std::filesystem::path& dir);

// Restores `backup` (a pg_dump archive) into the database at `url`. A database that already
// holds tables is replaced only with `replace`, and is first dumped beside the backup as
// <database>-before-restore-<UTC time>.pgdump (returned), so a restore never loses what was
// there. Stop the node first: the restore waits for its locks.
core::Result<std::filesystem::path> restore_postgres(const std::filesystem::path& backup, const std::string& url,
                                                     bool replace);

}  // namespace kestrel::store
