#include "store/importer.hpp"

#include <tbb/parallel_for.h>

#include <optional>

#include <fmt/format.h>

#include "core/progress.hpp"

namespace kestrel::store {

core::Result<ImportReport> import_paths(MarketStore& store,
                                        const std::vector<std::filesystem::path>& paths,
                                        const ImportOptions& options) {
  auto files = expand_input_paths(paths);
  if (!files) return std::unexpected(files.error());

  std::vector<std::optional<core::Result<InputFile>>> parsed(files->size());
  {
    core::ProgressBar progress("reading", files->size(), options.show_progress);
    tbb::parallel_for(std::size_t{0}, files->size(), [&](std::size_t i) {
      parsed[i] = read_input_file((*files)[i], ParseMode::Strict);
      progress.advance();
    });
  }

  std::vector<std::string> errors;
  for (const auto& p : parsed) {
    if (!p->has_value()) errors.push_back(p->error().message);
  }
  if (!errors.empty()) {
    return core::fail("import rejected, store unchanged; {} bad file(s):\n  {}", errors.size(),
                      fmt::join(errors, "\n  "));
  }

  ImportReport report;
  report.files = files->size();
  StoreWrite batch;
  for (auto& p : parsed) {
    InputFile& file = **p;
    if (auto* bars = std::get_if<BarFile>(&file)) {
      ++report.bar_files;
      report.rows_read += bars->bars.size();
      report.null_rows_skipped += bars->skipped_null_rows;
      batch.bar_files.push_back(std::move(*bars));
    } else if (auto* universe = std::get_if<UniverseFile>(&file)) {
      for (auto& t : universe->tickers) batch.tickers.push_back(std::move(t));
    } else if (auto* actions = std::get_if<CorporateActionsFile>(&file)) {
      for (auto& a : actions->actions) batch.actions.push_back(std::move(a));
    } else if (auto* flags = std::get_if<QualityFlagsFile>(&file)) {
      for (auto& f : flags->flags) batch.flags.push_back(std::move(f));
    }
  }
  // Two files for the same ticker in one import would silently overwrite each other.
  std::vector<std::string> seen;
  for (const BarFile& f : batch.bar_files) seen.push_back(f.ticker);
  std::sort(seen.begin(), seen.end());
  if (auto dup = std::adjacent_find(seen.begin(), seen.end()); dup != seen.end()) {
    return core::fail("import rejected, store unchanged: ticker {} appears in more than one file",
                      *dup);
  }

  auto written = store.write(batch);
  if (!written) {
    return core::fail("import rejected, store unchanged: {}", written.error().message);
  }
  report.written = *written;
  return report;
}

}  // namespace kestrel::store
