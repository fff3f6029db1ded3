// `kestrel db backup|restore`: consistent copies of a SQLite store or journal, or of a journal
// in PostgreSQL (pg_dump), taken while a trading node may be writing to it, and restores that
// keep what they replace.
#include <memory>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "store/backup.hpp"
#include "store/journal_database.hpp"
#include "store/postgres_backup.hpp"

namespace kestrel::app {
namespace {

struct DbArgs {
  std::string db;
  std::string to;
  std::string from;
  bool replace = false;
};

}  // namespace

void add_db_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* db = app.add_subcommand("db", "Back up and restore a market-data store or a trading journal (SQLite or PostgreSQL)");
  db->require_subcommand(1);
  auto args = std::make_shared<DbArgs>();

  CLI::App* backup = db->add_subcommand(
      "backup", "Copy the database to DIR/<name>-<UTC time>.db with SQLite's online backup, checked for integrity, or "
                "a PostgreSQL journal to DIR/<database>-<UTC time>.pgdump with pg_dump (both safe while a node writes)");
  backup->add_option("--db", args->db, "The database: a journal (SQLite file or postgresql:// URL), or a market-data "
                                       "store (default: data.db from --config, $KESTREL_DB, or ~/.local/share/kestrel/kestrel.db)");
  backup->add_option("--to", args->to, "Folder for the backup (created if its parent exists)")->required();
  backup->callback([&global, args] {
    if (store::is_postgres_location(args->db)) {
      const auto result = value_or_fail(store::backup_postgres(args->db, args->to));
      if (!global.quiet) fmt::print("backed up {} to {} ({:.1f} MB, archive readable)\n", store::redacted_location(args->db),
                                    result.file.string(), static_cast<double>(result.bytes) / 1e6);
      return;
    }
    const auto source = resolve_db(global, args->db);
    const auto result = value_or_fail(store::backup_database(source, args->to));
    if (!global.quiet) fmt::print("backed up {} to {} ({:.1f} MB, integrity ok)\n", source.string(), result.file.string(),
                                  static_cast<double>(result.bytes) / 1e6);
  });

  CLI::App* restore = db->add_subcommand(
      "restore", "Restore a backup into --db; an existing database is replaced only with --replace, after its content "
                 "is saved beside it");
  restore->add_option("--from", args->from, "The backup file (.db, or .pgdump for PostgreSQL)")->required();
  restore->add_option("--db", args->db, "The database to restore into (SQLite file or postgresql:// URL)")->required();
  restore->add_flag("--replace", args->replace,
                    "Restore over an existing database (kept as <db>.before-restore-<time>, or for PostgreSQL "
                    "<database>-before-restore-<time>.pgdump beside the backup)");
  restore->callback([&global, args] {
    const bool postgres = store::is_postgres_location(args->db);
    const auto saved = value_or_fail(postgres ? store::restore_postgres(args->from, args->db, args->replace)
                                              : store::restore_database(args->from, args->db, args->replace));
    if (!global.quiet) {
      fmt::print("restored {} from {}{}\n", store::redacted_location(args->db), args->from,
                 saved.empty() ? "" : fmt::format(" (what was there is saved as {})", saved.string()));
    }
  });
}

}  // namespace kestrel::app
