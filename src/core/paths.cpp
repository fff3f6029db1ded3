#include "core/paths.hpp"

#include <cstdlib>

namespace kestrel::core {

std::filesystem::path default_db_path() {
  if (const char* db = std::getenv("KESTREL_DB"); db != nullptr && *db != '\0') return db;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "kestrel" / "kestrel.db";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::filesystem::path(home) / ".local" / "share" / "kestrel" / "kestrel.db";
  }
  return "kestrel.db";
}

std::filesystem::path default_snapshot_path(const std::filesystem::path& db) {
  std::filesystem::path p = db;
  p += ".snapshot";
  return p;
}

}  // namespace kestrel::core
