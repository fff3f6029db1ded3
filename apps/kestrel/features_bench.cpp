// `kestrel bench features`: every feature of the registry for a whole data set, timed apart
// from loading the data (figures in docs/benchmarks.md).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "core/paths.hpp"
#include "features/feature_pipeline.hpp"
#include "pandas_indicator_set.hpp"
#include "store/csv_folder.hpp"
#include "store/research_span.hpp"
#include "store/snapshot.hpp"

namespace kestrel::app {
namespace {

using Clock = std::chrono::steady_clock;

using core::seconds_since;

// User + system CPU seconds of the whole process so far. On a shared machine the wall time of
// a run depends on what else runs; its CPU time much less.
double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct FeaturesBenchArgs {
  std::string data;
  std::string db;
  std::string set = "all";
  int threads = 0;
  int repeat = 3;
};

void run_features_bench(const GlobalOptions& global, const FeaturesBenchArgs& args) {
  const int threads = args.threads > 0 ? args.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  const auto load_start = Clock::now();
  std::string source;
  std::optional<store::Panel> panel;
  if (!args.data.empty()) {
    source = args.data;
    panel = value_or_fail(store::load_csv_panel(args.data));
  } else {
    const auto db = resolve_db(global, args.db);
    source = db.string();
    panel = value_or_fail(store::open_research_panel(db, core::default_snapshot_path(db)));
  }
  const double load_s = seconds_since(load_start);
  const bool pandas_set = args.set == "pandas20";
  // The feature set from where research starts, as `kestrel features build` and the pipeline
  // compute it (store/research_span.hpp), not over the benchmark's decades before any stock;
  // pandas' set over every loaded date, as bench/pandas_features.py computes it.
  const std::size_t loaded_dates = panel->num_dates();
  if (!pandas_set) {
    const features::FeatureOptions defaults;
    panel = store::research_panel(*panel, defaults.benchmark, defaults.benchmark_sector);
  }
  fmt::print("bench features: {} ({} tickers x {} dates from {}{}), {} thread(s)\n", source, panel->num_tickers(),
             panel->num_dates(), panel->dates().front().to_string(),
             pandas_set ? ", every loaded date" : fmt::format(", where research starts; {} loaded", loaded_dates), threads);
  fmt::print("  load {:.2f} s\n", load_s);

  std::vector<double> times;
  std::vector<double> cpu_times;
  std::size_t present = 0;
  std::size_t cells = 0;
  std::size_t num_features = 0;
  for (int i = 0; i < args.repeat; ++i) {
    const double cpu_start = process_cpu_seconds();
    const auto start = Clock::now();
    if (pandas_set) {
      std::vector<float> values;
      present = compute_pandas_indicators(*panel, values);
      times.push_back(seconds_since(start));
      cpu_times.push_back(process_cpu_seconds() - cpu_start);
      num_features = pandas_indicator_names().size();
      cells = values.size();
      continue;
    }
    const auto matrix = features::compute_features(*panel, {.show_progress = !global.quiet && i == 0});
    times.push_back(seconds_since(start));
    cpu_times.push_back(process_cpu_seconds() - cpu_start);
    num_features = matrix.num_features();
    cells = matrix.values.size();
    // Every run computes the same matrix: its present values are counted once, from the last.
    if (i + 1 == args.repeat) {
      present = static_cast<std::size_t>(
          std::ranges::count_if(matrix.values, [](float v) { return !std::isnan(v); }));
    }
  }
  std::ranges::sort(times);
  std::ranges::sort(cpu_times);
  fmt::print("  {} {} = {} values ({} present, {:.1f} MB as float32)\n", num_features,
             pandas_set ? "indicators (the pandas script's set)" : "features", cells, present,
             static_cast<double>(cells) * sizeof(float) / 1e6);
  fmt::print("  compute best {:.2f} s  median {:.2f} s  (of {} runs; excludes load)\n", times.front(),
             times[times.size() / 2], times.size());
  fmt::print("  compute CPU time (all threads) best {:.2f} s  median {:.2f} s\n", cpu_times.front(),
             cpu_times[cpu_times.size() / 2]);
  fmt::print("  load + compute {:.2f} s\n", load_s + times.front());
}

}  // namespace

void add_features_bench(CLI::App& bench, const GlobalOptions& global) {
  auto args = std::make_shared<FeaturesBenchArgs>();
  CLI::App* command = bench.add_subcommand("features", "Time computing every feature for a data set");
  command->add_option("--data", args->data, "Folder of per-ticker CSV files (e.g. ../shared/data/us-daily)")
      ->check(CLI::ExistingDirectory);
  add_db_option(*command, args->db);
  command->add_option("--set", args->set,
                      "all: every feature of the registry; pandas20: the 20 indicators of bench/pandas_features.py")
      ->check(CLI::IsMember({"all", "pandas20"}))
      ->capture_default_str();
  command->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--repeat", args->repeat, "Timed runs")->check(CLI::PositiveNumber);
  command->callback([&global, args] { run_features_bench(global, *args); });
}

}  // namespace kestrel::app
