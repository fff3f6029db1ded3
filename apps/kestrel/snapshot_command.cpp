// `kestrel data snapshot`: (re)builds the research snapshot that Panel::load memory-maps.
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "core/paths.hpp"
#include "store/market_store.hpp"
#include "store/snapshot.hpp"

namespace kestrel::app {
namespace {

struct SnapshotArgs {
  std::string db;
  std::string out;
  bool force = false;
};

void run_snapshot(const GlobalOptions& global, const SnapshotArgs& args) {
  const auto db = resolve_db(global, args.db);
  const std::filesystem::path out = args.out.empty() ? core::default_snapshot_path(db) : std::filesystem::path(args.out);
  auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadOnly));
  const auto start = std::chrono::steady_clock::now();
  const auto result = value_or_fail(
      store::refresh_snapshot(store, out, {.force = args.force, .show_progress = !global.quiet}));
  const double seconds = core::seconds_since(start);
  const auto& p = result.panel;
  fmt::print("{}{}: {} ({:.2f} s)\n", result.rebuilt ? "rebuilt " : "", out.string(), result.reason, seconds);
  fmt::print("  {} dates x {} tickers x {} fields (float64), {:.1f} MB; store {} data version {}\n",
             p.num_dates(), p.num_tickers(), store::kFieldCount,
             static_cast<double>(std::filesystem::file_size(out)) / 1e6, p.store_id(), p.store_data_version());
  if (p.num_dates() > 0) {
    fmt::print("  dates {} .. {}\n", p.dates().front().to_string(), p.dates().back().to_string());
  }
}

}  // namespace

void add_snapshot_command(CLI::App& data, const GlobalOptions& global) {
  auto args = std::make_shared<SnapshotArgs>();
  CLI::App* cmd = data.add_subcommand(
      "snapshot",
      "Write the research snapshot (dates x tickers x fields, memory-mapped by research code). "
      "Rebuilt only when the store changed since it was written, unless --force.");
  add_db_option(*cmd, args->db);
  cmd->add_option("--out", args->out, "Snapshot file (default: <db>.snapshot next to the store)");
  cmd->add_flag("--force", args->force, "Rebuild even if the snapshot is up to date");
  cmd->callback([&global, args] { run_snapshot(global, *args); });
}

}  // namespace kestrel::app
