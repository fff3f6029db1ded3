// `kestrel features …`: build (compute, leak-check, record the result and optionally export
// the values) and describe (coverage and summary statistics per feature).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "core/paths.hpp"
#include "dataset/feature_file.hpp"
#include "dataset/feature_summary.hpp"
#include "dataset/labels.hpp"
#include "dataset/leak_check.hpp"
#include "features/feature_pipeline.hpp"
#include "store/research_span.hpp"
#include "store/snapshot.hpp"

namespace kestrel::app {
namespace {

std::filesystem::path default_record_path(const std::filesystem::path& db) {
  std::filesystem::path out = db;
  out += ".features.json";
  return out;
}

using Clock = std::chrono::steady_clock;

using core::seconds_since;

// The store's panel from where research starts (store/research_span.hpp), as the pipeline
// computes features on it.
store::Panel load_panel(const GlobalOptions& global, const std::string& db_flag) {
  const auto db = resolve_db(global, db_flag);
  const auto panel = value_or_fail(store::open_research_panel(db, core::default_snapshot_path(db)));
  const features::FeatureOptions defaults;
  return store::research_panel(panel, defaults.benchmark, defaults.benchmark_sector);
}

struct BuildArgs {
  std::string db;
  std::string record;
  std::string export_to;
  std::string label = "direction";
  std::size_t horizon = 1;
  std::size_t truncation_cuts = 2;
  std::size_t truncation_tickers = 100;
};

dataset::LabelKind parse_label(const std::string& text) {
  for (auto kind : {dataset::LabelKind::Direction, dataset::LabelKind::ForwardReturn,
                    dataset::LabelKind::Outperformance, dataset::LabelKind::ExcessOverBenchmark}) {
    if (text == dataset::to_string(kind)) return kind;
  }
  throw CommandFailed{fmt::format("--label: unknown label '{}' (direction, fwd_return, outperform, excess)", text)};
}

// Runs both leak checks; throws CommandFailed naming every flagged feature. Returns what was
// checked, for the build record.
nlohmann::json run_leak_check(const store::Panel& panel, const features::FeatureMatrix& matrix,
                              const BuildArgs& args) {
  const auto labels = value_or_fail(dataset::make_labels(panel, {.kind = parse_label(args.label), .horizon = args.horizon}));
  const auto association = value_or_fail(dataset::check_label_association(matrix, labels));
  std::vector<std::string> problems;
  for (const auto& f : association.features) {
    if (f.flagged) problems.push_back(fmt::format("{}: {}", f.name, f.reason));
  }
  nlohmann::json cuts = nlohmann::json::array();
  std::size_t tickers_checked = 0;
  if (args.truncation_cuts > 0) {
    const features::FeatureOptions options{.show_progress = false};
    const auto truncation = value_or_fail(dataset::check_truncation(
        panel, matrix, [&](const store::Panel& p) -> core::Result<features::FeatureMatrix> {
          return features::compute_features(p, options);
        },
        {.cut_points = args.truncation_cuts,
         .max_tickers = args.truncation_tickers,
         .always_include = {options.benchmark}}));
    tickers_checked = truncation.tickers_checked;
    for (core::Date cut : truncation.cuts) cuts.push_back(cut.to_string());
    for (const auto& c : truncation.changes) {
      problems.push_back(fmt::format("{}: value for {} on {} changes from {} to {} when data after {} is removed",
                                     c.feature, c.ticker, c.date.to_string(), c.full, c.truncated, c.cut.to_string()));
    }
  }
  if (!problems.empty()) {
    std::string message = fmt::format("leak check failed: {} feature(s) look ahead; no snapshot written", problems.size());
    for (const auto& p : problems) message += "\n  " + p;
    throw CommandFailed{message};
  }
  // The strongest association among the passing features, so a near miss is visible.
  const dataset::FeatureAssociation* strongest = nullptr;
  for (const auto& f : association.features) {
    if (std::isnan(f.rank_correlation)) continue;
    if (strongest == nullptr || std::fabs(f.rank_correlation) > std::fabs(strongest->rank_correlation)) strongest = &f;
  }
  fmt::print("leak check: passed ({} features against {}, {} truncation cut(s) on {} of {} tickers); strongest rank "
             "correlation {:.3f} ({})\n",
             matrix.num_features(), labels.name, cuts.size(), tickers_checked, matrix.num_tickers(),
             strongest ? strongest->rank_correlation : 0.0, strongest ? strongest->name : "-");
  return {{"passed", true},
          {"label", labels.name},
          {"truncation_cuts", cuts},
          {"truncation_tickers", tickers_checked},
          {"strongest_feature", strongest ? strongest->name : ""},
          {"strongest_rank_correlation", strongest ? strongest->rank_correlation : 0.0}};
}

// Values present per feature (finite), counted in parallel over the matrix.
std::vector<std::size_t> present_counts(const features::FeatureMatrix& matrix) {
  std::vector<std::size_t> counts(matrix.num_features(), 0);
  const std::size_t cells = matrix.num_tickers() * matrix.num_dates();
  tbb::parallel_for(std::size_t{0}, matrix.num_features(), [&](std::size_t f) {
    const float* v = matrix.values.data() + f * cells;
    std::size_t n = 0;
    for (std::size_t j = 0; j < cells; ++j) n += std::isfinite(v[j]) ? 1 : 0;
    counts[f] = n;
  });
  return counts;
}

// Writes `text` to `path` through a temporary file renamed over it.
void write_atomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw CommandFailed{fmt::format("{}: cannot write", temp.string())};
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) throw CommandFailed{fmt::format("{}: cannot rename {} over it: {}", path.string(), temp.string(), ec.message())};
}

// Features are recomputed where they are used (pipeline, scoring, describe): computing all of
// them for us-daily takes about a second, less than writing or reading them would. `build`
// is the check: it computes them, runs the leak check and records the outcome next to the
// store; --export writes the values for use outside Kestrel.
void run_build(const GlobalOptions& global, const BuildArgs& args) {
  const auto start = Clock::now();
  const auto db = resolve_db(global, args.db);
  const store::Panel panel = load_panel(global, args.db);
  const double load_s = seconds_since(start);

  auto step = Clock::now();
  const features::FeatureMatrix matrix = features::compute_features(panel, {.show_progress = !global.quiet});
  const double compute_s = seconds_since(step);
  fmt::print("computed {} features x {} tickers x {} dates ({}..{}) in {:.2f} s\n", matrix.num_features(),
             matrix.num_tickers(), matrix.num_dates(), matrix.dates.empty() ? "-" : matrix.dates.front().to_string(),
             matrix.dates.empty() ? "-" : matrix.dates.back().to_string(), compute_s);

  step = Clock::now();
  nlohmann::json leak = run_leak_check(panel, matrix, args);
  const double leak_s = seconds_since(step);

  const auto counts = present_counts(matrix);
  const std::size_t cells = matrix.num_tickers() * matrix.num_dates();
  std::size_t present = 0;
  for (std::size_t c : counts) present += c;
  const double total = static_cast<double>(cells * matrix.num_features());
  fmt::print("{:.1f}% of values present; least covered:", total > 0 ? 100.0 * static_cast<double>(present) / total : 0.0);
  std::vector<std::size_t> order(counts.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] < counts[b]; });
  for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k) {
    const double missing = cells > 0 ? 1.0 - static_cast<double>(counts[order[k]]) / static_cast<double>(cells) : 0.0;
    fmt::print(" {} ({:.1f}% missing)", matrix.names[order[k]], 100.0 * missing);
  }
  fmt::print("\n");

  double export_s = 0;
  if (!args.export_to.empty()) {
    step = Clock::now();
    check(dataset::write_feature_file(matrix, args.export_to));
    export_s = seconds_since(step);
    fmt::print("exported the values to {} ({:.1f} MB) in {:.2f} s\n", args.export_to,
               static_cast<double>(std::filesystem::file_size(args.export_to)) / 1e6, export_s);
  }

  nlohmann::json features = nlohmann::json::array();
  for (std::size_t f = 0; f < matrix.num_features(); ++f) {
    features.push_back({{"name", matrix.names[f]}, {"present", counts[f]}});
  }
  const nlohmann::json record = {
      {"store", db.string()},
      {"store_data_version", panel.store_data_version()},
      {"tickers", matrix.num_tickers()},
      {"dates", matrix.num_dates()},
      {"first_date", matrix.dates.empty() ? "" : matrix.dates.front().to_string()},
      {"last_date", matrix.dates.empty() ? "" : matrix.dates.back().to_string()},
      {"leak_check", leak},
      {"features", features},
      {"export", args.export_to},
      {"seconds", {{"load", load_s}, {"compute", compute_s}, {"leak_check", leak_s}, {"export", export_s}}}};
  const std::filesystem::path record_path = args.record.empty() ? default_record_path(db) : std::filesystem::path(args.record);
  write_atomically(record_path, record.dump(2) + "\n");
  fmt::print("recorded the check in {}; {:.2f} s in all (load {:.2f}, compute {:.2f}, leak check {:.2f}{})\n",
             record_path.string(), seconds_since(start), load_s, compute_s, leak_s,
             args.export_to.empty() ? "" : fmt::format(", export {:.2f}", export_s));
}

struct DescribeArgs {
  std::string db;
  std::string features;
  bool json = false;
};

void run_describe(const GlobalOptions& global, const DescribeArgs& args) {
  features::FeatureMatrix matrix;
  if (!args.features.empty()) {
    matrix = value_or_fail(dataset::read_feature_file(args.features));
  } else {
    const store::Panel panel = load_panel(global, args.db);
    matrix = features::compute_features(panel, {.show_progress = !global.quiet});
  }
  const auto stats = dataset::summarise_features(matrix);
  if (args.json) {
    auto number = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : stats) {
      out.push_back({{"feature", s.name}, {"count", s.count}, {"nan_share", s.nan_share}, {"mean", number(s.mean)},
                     {"std", number(s.std)}, {"min", number(s.min)}, {"p1", number(s.p1)}, {"p50", number(s.p50)},
                     {"p99", number(s.p99)}, {"max", number(s.max)}});
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("{:<28} {:>10} {:>6} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}\n", "feature", "count", "nan%",
             "mean", "std", "min", "p1", "p50", "p99", "max");
  for (const auto& s : stats) {
    fmt::print("{:<28.28} {:>10} {:>6.1f} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g} {:>11.4g}\n",
               s.name, s.count, 100.0 * s.nan_share, s.mean, s.std, s.min, s.p1, s.p50, s.p99, s.max);
  }
  fmt::print("{} features x {} tickers x {} dates\n", matrix.num_features(), matrix.num_tickers(), matrix.num_dates());
}

}  // namespace

void add_features_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* group = app.add_subcommand("features", "Feature matrix: check (and export) it, describe coverage");
  group->require_subcommand(1);

  auto build_args = std::make_shared<BuildArgs>();
  CLI::App* build = group->add_subcommand(
      "build",
      "Compute every feature for the research panel, run the look-ahead check (label association "
      "and truncation at sampled dates) and record the outcome; --export also writes the values. "
      "Fails, writing nothing, if a feature looks ahead.");
  add_db_option(*build, build_args->db);
  build->add_option("--record", build_args->record,
                    "Where to record the check's outcome, as JSON (default: <db>.features.json next to the store)");
  build->add_option("--export", build_args->export_to,
                    "Also write the feature values to this file (each ticker's own dates only; "
                    "read by `features describe --features` and dataset::read_feature_file)");
  build->add_option("--label", build_args->label, "Label the leak check tests against: direction, fwd_return, outperform, excess (over SPY)")
      ->capture_default_str();
  build->add_option("--horizon", build_args->horizon, "Label horizon in trading days")->capture_default_str()->check(CLI::PositiveNumber);
  build->add_option("--truncation-cuts", build_args->truncation_cuts,
                    "Dates at which features are recomputed on truncated data (0: skip)")
      ->capture_default_str();
  build->add_option("--truncation-tickers", build_args->truncation_tickers,
                    "Tickers the truncation check recomputes: a seeded sample of this many, the benchmark "
                    "included (0: all)")
      ->capture_default_str();
  build->callback([&global, build_args] { run_build(global, *build_args); });

  auto describe_args = std::make_shared<DescribeArgs>();
  CLI::App* describe = group->add_subcommand(
      "describe", "Coverage and summary statistics per feature (count, NaN share, mean, std, min, p1, p50, p99, max)");
  add_db_option(*describe, describe_args->db);
  describe->add_option("--features", describe_args->features, "Read a file written by `features build --export` instead of computing from the store")
      ->check(CLI::ExistingFile);
  describe->add_flag("--json", describe_args->json, "Print JSON instead of a table");
  describe->callback([&global, describe_args] { run_describe(global, *describe_args); });
}

}  // namespace kestrel::app
