#pragma once
// `kestrel data import`: reads every file first (in parallel), and only when all of them
// parse writes them in one transaction. A single bad file rejects the whole import and the
// store is left exactly as it was. The reading needs no store, so a command can refuse bad
// input before it creates a store file at all (prepare_import, then write_import).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/input_file.hpp"
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
  // Kept but worth knowing, one "file:line: field 'ticker': …" each (e.g. quality flags for a
  // ticker the data excluded).
  std::vector<std::string> warnings;
};

// Every file read and checked, ready to write.
struct PreparedImport {
  ImportReport report;
  StoreWrite batch;
  std::vector<std::string> action_where;  // file:line of each batch.actions entry
  std::vector<std::string> flag_where;    // file:line of each batch.flags entry
};

// On failure the error lists every bad file (one "file:line:column: reason" per line).
core::Result<PreparedImport> prepare_import(const std::vector<std::filesystem::path>& paths,
                                           const ImportOptions& options = {});
// Narrows a prepared import to `tickers`: their bar files, universe rows, corporate actions and
// quality flags (with the file:line of each kept), the report's counts to match. Returns the
// tickers that had a bar file.
std::set<std::string> keep_only_tickers(PreparedImport& prepared, const std::set<std::string>& tickers);
// Also refuses corporate actions for a ticker that has no bars in the import or the store (it
// would create a ticker without data).
core::Result<ImportReport> write_import(MarketStore& store, PreparedImport prepared);
core::Result<ImportReport> import_paths(MarketStore& store, const std::vector<std::filesystem::path>& paths,
                                        const ImportOptions& options = {});

}  // namespace kestrel::store
