// `kestrel db backup|restore`: consistent copies of a SQLite store or journal, taken while a
// trading node may be writing to it, and restores that keep what they replace.
#include <memory>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "store/backup.hpp"

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
  CLI::App* db = app.add_subcommand("db", "Back up and restore a market-data store or a trading journal (SQLite)");
  db->require_subcommand(1);
  auto args = std::make_shared<DbArgs>();

  CLI::App* backup = db->add_subcommand(
      "backup", "Copy the database to DIR/<name>-<UTC time>.db with SQLite's online backup (safe while a node writes), "
                "checked for integrity");
  backup->add_option("--db", args->db, "The database: a journal, or a market-data store (default: data.db from --config, $KESTREL_DB, or ~/.local/share/kestrel/kestrel.db)");
  backup->add_option("--to", args->to, "Folder for the backup (created if its parent exists)")->required();
  backup->callback([&global, args] {
    const auto source = resolve_db(global, args->db);
    const auto result = value_or_fail(store::backup_database(source, args->to));
    if (!global.quiet) fmt::print("backed up {} to {} ({:.1f} MB, integrity ok)\n", source.string(), result.file.string(),
                                  static_cast<double>(result.bytes) / 1e6);
  });

  CLI::App* restore = db->add_subcommand(
      "restore", "Restore a backup into --db; an existing database is replaced only with --replace, after its content "
                 "is saved beside it");
  restore->add_option("--from", args->from, "The backup file")->required();
  restore->add_option("--db", args->db, "The database to restore into")->required();
  restore->add_flag("--replace", args->replace, "Restore over an existing database (kept as <db>.before-restore-<time>)");
  restore->callback([&global, args] {
    const auto saved = value_or_fail(store::restore_database(args->from, args->db, args->replace));
    if (!global.quiet) {
      fmt::print("restored {} from {}{}\n", args->db, args->from,
                 saved.empty() ? "" : fmt::format(" (what was there is saved as {})", saved.string()));
    }
  });
}

}  // namespace kestrel::app
