#pragma once
#include <filesystem>
#include <string_view>

namespace kestrel::core {

// Where the market-data store lives when neither --db nor the config names one:
// $KESTREL_DB, else $XDG_DATA_HOME/kestrel/kestrel.db, else ~/.local/share/kestrel/kestrel.db.
std::filesystem::path default_db_path();

// The snapshot that belongs to a store: "<db>.snapshot" next to it.
std::filesystem::path default_snapshot_path(const std::filesystem::path& db);

}  // namespace kestrel::core
