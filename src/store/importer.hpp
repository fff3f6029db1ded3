#pragma once
// `kestrel data import`: reads every file first (in parallel), and only when all of them
// parse writes them in one transaction. A single bad file rejects the whole import and the
// store is left exactly as it was.
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/market_store.hpp"

namespace kestrel::store {

struct ImportOptions {
  bool show_progress = true;
};

struct ImportReport {
  std::size_t files = 0;
  std::size_t bar_files = 0;
  std::size_t rows_read = 0;
  std::size_t null_rows_skipped = 0;
  WriteSummary written;
};

// On failure the error lists every bad file (one "file:line:column: reason" per line).
core::Result<ImportReport> import_paths(MarketStore& store,
                                        const std::vector<std::filesystem::path>& paths,
                                        const ImportOptions& options = {});

}  // namespace kestrel::store
