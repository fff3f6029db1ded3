#include "store/importer.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/progress.hpp"

namespace kestrel::store {

core::Result<PreparedImport> prepare_import(const std::vector<std::filesystem::path>& paths,
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
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const auto& p = parsed[i];
    if (!p->has_value()) {
      errors.push_back(p->error().message);
    } else if (const auto* bars = std::get_if<BarFile>(&**p); bars != nullptr && bars->bars.empty()) {
      // A price file without rows would create a ticker with no data.
      errors.push_back(fmt::format("{}: no bars{}", (*files)[i].string(),
                                   bars->skipped_null_rows > 0 ? fmt::format(" ({} null rows)", bars->skipped_null_rows)
                                                               : std::string(" (header only)")));
    }
  }
  if (!errors.empty()) {
    return core::fail("import rejected, store unchanged; {} bad file(s):\n  {}", errors.size(),
                      fmt::join(errors, "\n  "));
  }

  PreparedImport prepared;
  ImportReport& report = prepared.report;
  report.files = files->size();
  StoreWrite& batch = prepared.batch;
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
      for (auto& w : actions->where) prepared.action_where.push_back(std::move(w));
    } else if (auto* flags = std::get_if<QualityFlagsFile>(&file)) {
      for (auto& f : flags->flags) batch.flags.push_back(std::move(f));
      for (auto& w : flags->where) prepared.flag_where.push_back(std::move(w));
    }
  }
  // Two files for the same ticker in one import would silently overwrite each other.
  std::vector<std::string> seen;
  for (const BarFile& f : batch.bar_files) seen.push_back(f.ticker);
  std::sort(seen.begin(), seen.end());
  if (auto dup = std::adjacent_find(seen.begin(), seen.end()); dup != seen.end()) {
    return core::fail("import rejected, store unchanged: ticker {} appears in more than one file", *dup);
  }
  return prepared;
}

std::set<std::string> keep_only_tickers(PreparedImport& prepared, const std::set<std::string>& tickers) {
  auto& b = prepared.batch;
  std::set<std::string> found;
  std::erase_if(b.bar_files, [&](const BarFile& f) {
    if (!tickers.contains(f.ticker)) return true;
    found.insert(f.ticker);
    return false;
  });
  std::erase_if(b.tickers, [&](const TickerInfo& t) { return !tickers.contains(t.symbol); });
  // Rows and their file:line side by side.
  auto keep_with_where = [&](auto& rows, std::vector<std::string>& where, auto ticker_of) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (!tickers.contains(ticker_of(rows[i]))) continue;
      if (out != i) {  // a self-move would empty the strings
        rows[out] = std::move(rows[i]);
        if (i < where.size()) where[out] = std::move(where[i]);
      }
      ++out;
    }
    rows.resize(out);
    if (where.size() > out) where.resize(out);
  };
  keep_with_where(b.actions, prepared.action_where, [](const auto& a) { return a.first; });
  keep_with_where(b.flags, prepared.flag_where, [](const auto& f) { return f.ticker; });
  prepared.report.bar_files = b.bar_files.size();
  prepared.report.rows_read = 0;
  for (const auto& f : b.bar_files) prepared.report.rows_read += f.bars.size();
  return found;
}

core::Result<ImportReport> write_import(MarketStore& store, PreparedImport prepared) {
  // Tickers with prices: in this import or already stored.
  std::set<std::string> priced;
  for (const BarFile& f : prepared.batch.bar_files) priced.insert(f.ticker);
  if (!prepared.batch.actions.empty() || !prepared.batch.flags.empty()) {
    auto universe = store.universe();
    if (!universe) return std::unexpected(universe.error());
    for (const auto& t : *universe) {
      if (t.bar_count > 0) priced.insert(t.info.symbol);
    }
  }
  std::vector<std::string> errors;
  for (std::size_t k = 0; k < prepared.batch.actions.size(); ++k) {
    const std::string& ticker = prepared.batch.actions[k].first;
    if (!priced.contains(ticker)) {
      errors.push_back(fmt::format("{}: field 'ticker': {} has no bars in this import or the store — import its "
                                   "prices with its corporate actions",
                                   prepared.action_where[k], ticker));
    }
  }
  if (!errors.empty()) {
    return core::fail("import rejected, store unchanged; {} corporate action(s) for tickers without prices:\n  {}",
                      errors.size(), fmt::join(errors, "\n  "));
  }
  std::set<std::string> warned;
  for (std::size_t k = 0; k < prepared.batch.flags.size(); ++k) {
    const std::string& ticker = prepared.batch.flags[k].ticker;
    if (!priced.contains(ticker) && warned.insert(ticker).second) {
      prepared.report.warnings.push_back(fmt::format(
          "{}: field 'ticker': {} has no bars: its quality flags are kept, the ticker has no data", prepared.flag_where[k],
          ticker));
    }
  }
  auto written = store.write(prepared.batch);
  if (!written) {
    return core::fail("import rejected, store unchanged: {}", written.error().message);
  }
  prepared.report.written = *written;
  return std::move(prepared.report);
}

core::Result<ImportReport> import_paths(MarketStore& store, const std::vector<std::filesystem::path>& paths,
                                        const ImportOptions& options) {
  auto prepared = prepare_import(paths, options);
  if (!prepared) return std::unexpected(prepared.error());
  return write_import(store, std::move(*prepared));
}

}  // namespace kestrel::store
