// `kestrel bench dataset`: the dataset layer on a whole store — labels, normaliser fits,
// view construction, batch materialisation, the leak check and the feature snapshot round
// trip — each timed in wall and CPU seconds (figures in docs/benchmarks.md).
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "core/paths.hpp"
#include "dataset/feature_file.hpp"
#include "dataset/labels.hpp"
#include "dataset/leak_check.hpp"
#include "dataset/normaliser.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"
#include "features/feature_pipeline.hpp"
#include "store/snapshot.hpp"

namespace kestrel::app {
namespace {

using Clock = std::chrono::steady_clock;

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return s(usage.ru_utime) + s(usage.ru_stime);
}

// Times `work` and prints one line: what, wall seconds, CPU seconds, and a note.
template <class Work>
auto timed(const char* what, Work&& work) {
  const double cpu = cpu_seconds();
  const auto start = Clock::now();
  auto result = work();
  fmt::print("  {:<44} {:>9.3f} s wall {:>9.3f} s cpu\n", what,
             core::seconds_since(start), cpu_seconds() - cpu);
  return result;
}

struct DatasetBenchArgs {
  std::string db;
  std::string scratch;
  std::size_t lookback = dataset::kDefaultLookback;
  std::size_t batch = 256;
  std::size_t batches = 60;
};

void run_dataset_bench(const GlobalOptions& global, const DatasetBenchArgs& args) {
  const auto db = resolve_db(global, args.db);
  const auto panel = value_or_fail(store::open_research_panel(db, core::default_snapshot_path(db)));
  auto matrix = features::compute_features(panel, {.show_progress = !global.quiet});
  fmt::print("bench dataset: {} ({} features x {} tickers x {} dates)\n", db.string(), matrix.num_features(),
             matrix.num_tickers(), matrix.num_dates());

  const auto labels = timed("labels direction_1d", [&] {
    return value_or_fail(dataset::make_labels(panel, {.kind = dataset::LabelKind::Direction, .horizon = 1}));
  });
  timed("labels outperform_5d", [&] {
    return value_or_fail(dataset::make_labels(panel, {.kind = dataset::LabelKind::Outperformance, .horizon = 5}));
  });
  const dataset::DateRange train{0, matrix.num_dates() * 7 / 10};
  timed("normaliser fit zscore (first 70% of dates)",
        [&] { return dataset::Normaliser::fit(dataset::NormaliserKind::ZScore, matrix, train); });
  timed("normaliser fit robust (first 70% of dates)",
        [&] { return dataset::Normaliser::fit(dataset::NormaliserKind::Robust, matrix, train); });

  const dataset::DateRange all{0, matrix.num_dates()};
  const auto tabular = timed("tabular view (all dates, NaN kept)",
                             [&] { return value_or_fail(dataset::TabularView::make(matrix, labels, all)); });
  const auto rows = timed("tabular materialise all rows", [&] { return tabular.materialise_all(); });
  fmt::print("    {} rows x {} features\n", rows.size, rows.num_features);

  const auto sequences = timed("sequence view (lookback, NaN dropped)", [&] {
    return value_or_fail(dataset::SequenceView::make(matrix, labels, all, args.lookback,
                                                     {.nan_policy = dataset::NanPolicy::DropRow}));
  });
  fmt::print("    {} sequence samples\n", sequences.size());
  if (sequences.size() > 0) {
    // Seeded random batches, as a training loop would draw them.
    std::uint64_t state = 42;
    auto next = [&] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return static_cast<std::size_t>(state >> 33);
    };
    std::vector<std::size_t> ids(args.batch);
    const std::size_t floats = timed("sequence materialise batches (random ids)", [&] {
      std::size_t total = 0;
      for (std::size_t b = 0; b < args.batches; ++b) {
        for (auto& id : ids) id = next() % sequences.size();
        total += sequences.materialise(ids).x.size();
      }
      return total;
    });
    fmt::print("    {} batches of [{}, {}, {}] ({:.0f} MB copied)\n", args.batches, args.batch, args.lookback,
               sequences.num_features(), static_cast<double>(floats) * 4 / 1e6);
    // The whole universe on the last labeled date: what daily inference materialises.
    const auto last_t = sequences.samples().back().t;
    std::vector<std::size_t> latest;
    for (std::size_t i = 0; i < sequences.size(); ++i) {
      if (sequences.samples()[i].t == last_t) latest.push_back(i);
    }
    const auto universe = timed("sequence materialise one date, all tickers", [&] { return sequences.materialise(latest); });
    fmt::print("    {} tickers on {}\n", universe.size, matrix.dates[last_t].to_string());
  }

  const auto report = timed("leak check: label association", [&] {
    return value_or_fail(dataset::check_label_association(matrix, labels));
  });
  fmt::print("    {} feature(s) flagged\n", report.flagged().size());

  const std::filesystem::path file =
      args.scratch.empty() ? std::filesystem::path(db.string() + ".bench.features") : std::filesystem::path(args.scratch);
  timed("feature snapshot write", [&] { return dataset::write_feature_file(matrix, file).has_value(); });
  const auto back = timed("feature snapshot read (mmap + checksum + copy)",
                          [&] { return value_or_fail(dataset::read_feature_file(file)); });
  std::filesystem::remove(file);
  fmt::print("    {:.0f} MB, identical: {}\n", static_cast<double>(back.values.size()) * 4 / 1e6,
             back.values.size() == matrix.values.size() && back.names == matrix.names ? "yes" : "no");
}

}  // namespace

void add_dataset_bench(CLI::App& bench, const GlobalOptions& global) {
  auto args = std::make_shared<DatasetBenchArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "dataset", "Time labels, normaliser fits, views, batch materialisation, the leak check and the feature snapshot");
  add_db_option(*cmd, args->db);
  cmd->add_option("--lookback", args->lookback, "Sequence length")->capture_default_str();
  cmd->add_option("--batch", args->batch, "Sequence batch size")->capture_default_str();
  cmd->add_option("--batches", args->batches, "Sequence batches to materialise")->capture_default_str();
  cmd->add_option("--scratch", args->scratch, "Where to write the temporary feature snapshot (default: <db>.bench.features)");
  cmd->callback([&global, args] { run_dataset_bench(global, *args); });
}

}  // namespace kestrel::app
