#include "cli_support.hpp"

#include <toml++/toml.h>

#include "core/paths.hpp"

namespace kestrel::app {

void add_db_option(CLI::App& command, std::string& db) {
  command.add_option("--db", db,
                     "Market-data store (SQLite file); default: data.db from --config, "
                     "$KESTREL_DB, or ~/.local/share/kestrel/kestrel.db");
}

std::filesystem::path resolve_db(const GlobalOptions& global, const std::string& db_flag) {
  if (!db_flag.empty()) return db_flag;
  if (!global.config_path.empty()) {
    toml::table config;
    try {
      config = toml::parse_file(global.config_path);
    } catch (const toml::parse_error& e) {
      throw CommandFailed{fmt::format("{}:{}:{}: {}", global.config_path, e.source().begin.line,
                                      e.source().begin.column, e.description())};
    }
    if (auto db = config["data"]["db"].value<std::string>()) {
      // Relative paths in a config are relative to the config file.
      std::filesystem::path p = *db;
      if (p.is_relative()) p = std::filesystem::path(global.config_path).parent_path() / p;
      return p;
    }
  }
  return core::default_db_path();
}

}  // namespace kestrel::app
