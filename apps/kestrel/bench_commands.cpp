// `kestrel bench …`: benchmark programs whose figures go into docs/benchmarks.md. Each prints
// what it measured and on how much data, so a figure can be reproduced from its command.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "core/paths.hpp"
#include "store/importer.hpp"
#include "store/market_store.hpp"
#include "store/snapshot.hpp"

namespace kestrel::app {
namespace {

using Clock = std::chrono::steady_clock;

using core::seconds_since;

// A scratch folder for a benchmark's store, removed when the benchmark ends.
class ScratchDir {
 public:
  ScratchDir() : path_(std::filesystem::temp_directory_path() / fmt::format("kestrel-bench-{}", ::getpid())) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ImportBenchArgs {
  std::string data;
  std::string db;
};

void run_import_bench(const GlobalOptions& global, const ImportBenchArgs& args) {
  std::unique_ptr<ScratchDir> scratch;
  std::filesystem::path db = args.db;
  if (db.empty()) {
    scratch = std::make_unique<ScratchDir>();
    db = scratch->path() / "bench.db";
  } else if (std::filesystem::exists(db)) {
    throw CommandFailed{fmt::format("{}: already exists; bench import measures a fresh store", db.string())};
  }
  const auto start = Clock::now();
  auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadWrite));
  const auto report = value_or_fail(store::import_paths(store, {args.data}, {.show_progress = !global.quiet}));
  const double seconds = seconds_since(start);
  fmt::print("bench import: {} ({} files, {} bar files) into a fresh store {}\n", args.data, report.files,
             report.bar_files, db.string());
  fmt::print("  rows {}  bars stored {}  seconds {:.2f}  rows/s {:.0f}\n", report.rows_read,
             report.written.bars_inserted, seconds, static_cast<double>(report.rows_read) / seconds);
}

struct SnapshotBenchArgs {
  std::string db;
  std::string out;
  int repeat = 10;
};

// Sums every value so that every page of the mapping is really read.
double touch_all(const store::Panel& panel, std::size_t& finite) {
  double sum = 0;
  finite = 0;
  for (std::size_t f = 0; f < store::kFieldCount; ++f) {
    for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
      for (double v : panel.series(static_cast<store::Field>(f), i)) {
        if (!std::isnan(v)) {
          sum += v;
          ++finite;
        }
      }
    }
  }
  return sum;
}

void run_snapshot_bench(const GlobalOptions& global, const SnapshotBenchArgs& args) {
  const auto db = resolve_db(global, args.db);
  const std::filesystem::path out = args.out.empty() ? core::default_snapshot_path(db) : std::filesystem::path(args.out);
  {
    auto store = value_or_fail(store::MarketStore::open(db, store::MarketStore::Access::ReadOnly));
    const auto start = Clock::now();
    const auto refreshed = value_or_fail(store::refresh_snapshot(store, out, {.show_progress = !global.quiet}));
    fmt::print("bench snapshot: {}: {}{} ({:.2f} s)\n", out.string(), refreshed.rebuilt ? "built, " : "",
               refreshed.reason, seconds_since(start));
  }
  const double megabytes = static_cast<double>(std::filesystem::file_size(out)) / 1e6;
  // One untimed load first so the file is in the page cache: the figure is the warm load.
  std::size_t cells = 0;
  std::size_t finite = 0;
  {
    const auto panel = value_or_fail(store::Panel::load(out));
    cells = store::kFieldCount * panel.num_tickers() * panel.num_dates();
    touch_all(panel, finite);
    fmt::print("  {} dates x {} tickers x {} fields = {} values ({} present), {:.1f} MB\n", panel.num_dates(),
               panel.num_tickers(), store::kFieldCount, cells, finite, megabytes);
  }
  std::vector<double> load_s;
  std::vector<double> total_s;
  double checksum_of_values = 0;
  for (int i = 0; i < args.repeat; ++i) {
    const auto start = Clock::now();
    const auto panel = value_or_fail(store::Panel::load(out));  // mmap + checksum verification
    load_s.push_back(seconds_since(start));
    checksum_of_values = touch_all(panel, finite);
    total_s.push_back(seconds_since(start));
  }
  std::sort(load_s.begin(), load_s.end());
  std::sort(total_s.begin(), total_s.end());
  const auto median = [](const std::vector<double>& v) { return v[v.size() / 2]; };
  fmt::print("  warm load (mmap + verify checksum), {} runs: min {:.3f} s  median {:.3f} s  {:.2f} GB/s\n",
             args.repeat, load_s.front(), median(load_s), megabytes / 1e3 / median(load_s));
  fmt::print("  load + touch every value:              min {:.3f} s  median {:.3f} s  {:.2f} GB/s\n",
             total_s.front(), median(total_s), megabytes / 1e3 / median(total_s));
  fmt::print("  (sum of present values {:.6e})\n", checksum_of_values);
}

}  // namespace

CLI::App& add_bench_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks: print the figures recorded in docs/benchmarks.md");
  bench->require_subcommand(1);

  auto import_args = std::make_shared<ImportBenchArgs>();
  CLI::App* import = bench->add_subcommand("import", "Time importing a data folder into a fresh store");
  import->add_option("--data", import_args->data, "Folder of per-ticker CSV files (e.g. ../shared/data/us-daily)")
      ->required()
      ->check(CLI::ExistingPath);
  import->add_option("--db", import_args->db,
                     "Create the store here and keep it (must not exist); default: a temporary store, "
                     "removed afterwards");
  import->callback([&global, import_args] { run_import_bench(global, *import_args); });

  auto snapshot_args = std::make_shared<SnapshotBenchArgs>();
  CLI::App* snapshot = bench->add_subcommand(
      "snapshot", "Build the research snapshot if needed, then time warm loads of it (checksum verified)");
  add_db_option(*snapshot, snapshot_args->db);
  snapshot->add_option("--out", snapshot_args->out, "Snapshot file (default: <db>.snapshot)");
  snapshot->add_option("--repeat", snapshot_args->repeat, "Timed loads")->check(CLI::PositiveNumber);
  snapshot->callback([&global, snapshot_args] { run_snapshot_bench(global, *snapshot_args); });
  return *bench;
}

}  // namespace kestrel::app
