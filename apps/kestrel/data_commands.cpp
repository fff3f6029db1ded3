// `kestrel data …`: import, universe (validate, snapshot and collect live beside it).
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "store/importer.hpp"
#include "store/market_store.hpp"

namespace kestrel::app {
namespace {

struct ImportArgs {
  std::string db;
  std::vector<std::string> paths;
};

void run_import(const GlobalOptions& global, const ImportArgs& args) {
  const auto db = resolve_db(global, args.db);
  std::vector<std::filesystem::path> paths(args.paths.begin(), args.paths.end());
  // Every file is read and checked before the store is opened: bad input creates no store.
  auto prepared = value_or_fail(store::prepare_import(paths, {.show_progress = !global.quiet}));
  auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadWrite));
  const auto report = value_or_fail(store::write_import(store, std::move(prepared)));
  const auto& w = report.written;
  fmt::print("imported {} file(s) ({} bar files, {} rows) into {}\n", report.files,
             report.bar_files, report.rows_read, db.string());
  fmt::print("  bars: {} new, {} updated, {} unchanged; tickers added: {}; corporate actions "
             "written: {}; quality flags written: {}; data version {}\n",
             w.bars_inserted, w.bars_updated, w.bars_unchanged, w.tickers_added,
             w.actions_written, w.flags_written, w.data_version);
  if (report.null_rows_skipped > 0) {
    fmt::print("  skipped {} 'null' rows (days the vendor has no prices for)\n",
               report.null_rows_skipped);
  }
  for (const auto& warning : report.warnings) fmt::print("  warning: {}\n", warning);
}

struct UniverseArgs {
  std::string db;
  bool json = false;
};

void run_universe(const GlobalOptions& global, const UniverseArgs& args) {
  auto store = value_or_fail(
      store::MarketStore::open(resolve_db(global, args.db), store::MarketStore::Access::ReadOnly));
  const auto tickers = value_or_fail(store.universe());
  auto date_text = [](const std::optional<core::Date>& d) { return d ? d->to_string() : std::string("-"); };
  if (args.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : tickers) {
      out.push_back({{"ticker", t.info.symbol}, {"name", t.info.name}, {"sector", t.info.sector},
                     {"industry", t.info.industry}, {"first_date", date_text(t.first_date)},
                     {"last_date", date_text(t.last_date)}, {"bars", t.bar_count}});
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("{:<8} {:<34} {:<24} {:<10} {:<10} {:>6}\n", "ticker", "name", "sector", "first",
             "last", "bars");
  for (const auto& t : tickers) {
    fmt::print("{:<8} {:<34.34} {:<24.24} {:<10} {:<10} {:>6}\n", t.info.symbol, t.info.name,
               t.info.sector, date_text(t.first_date), date_text(t.last_date), t.bar_count);
  }
  fmt::print("{} tickers\n", tickers.size());
}

}  // namespace

CLI::App& add_data_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* data = app.add_subcommand("data", "Market-data store: import, validate, snapshot, collect");
  data->require_subcommand(1);

  auto import_args = std::make_shared<ImportArgs>();
  CLI::App* import = data->add_subcommand(
      "import",
      "Import per-ticker CSV files or folders (.csv, .csv.gz; Kestrel/us-daily, Yahoo or Alpha "
      "Vantage columns) and universe.csv, corporate_actions.csv, quality_flags.csv. Re-imports "
      "upsert; a bad file rejects the whole import and leaves the store unchanged.");
  add_db_option(*import, import_args->db);
  import->add_option("paths", import_args->paths, "Files or folders")->required();
  import->callback([&global, import_args] { run_import(global, *import_args); });

  auto universe_args = std::make_shared<UniverseArgs>();
  CLI::App* universe = data->add_subcommand("universe", "List tickers with name, sector and date range");
  add_db_option(*universe, universe_args->db);
  universe->add_flag("--json", universe_args->json, "Print JSON instead of a table");
  universe->callback([&global, universe_args] { run_universe(global, *universe_args); });
  return *data;
}

}  // namespace kestrel::app
