// `kestrel features …`: build (compute, leak-check and write the feature snapshot) and
// describe (coverage and summary statistics per feature).
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "core/paths.hpp"
#include "dataset/feature_file.hpp"
#include "dataset/feature_summary.hpp"
#include "dataset/labels.hpp"
#include "dataset/leak_check.hpp"
#include "features/feature_pipeline.hpp"
#include "store/snapshot.hpp"

namespace kestrel::app {
namespace {

std::filesystem::path default_feature_path(const std::filesystem::path& db) {
  std::filesystem::path out = db;
  out += ".features";
  return out;
}

store::Panel load_panel(const GlobalOptions& global, const std::string& db_flag) {
  const auto db = resolve_db(global, db_flag);
  return value_or_fail(store::open_research_panel(db, core::default_snapshot_path(db)));
}

struct BuildArgs {
  std::string db;
  std::string out;
  std::string label = "direction";
  std::size_t horizon = 1;
  std::size_t truncation_cuts = 2;
};

dataset::LabelKind parse_label(const std::string& text) {
  for (auto kind : {dataset::LabelKind::Direction, dataset::LabelKind::ForwardReturn,
                    dataset::LabelKind::Outperformance}) {
    if (text == dataset::to_string(kind)) return kind;
  }
  throw CommandFailed{fmt::format("--label: unknown label '{}' (direction, fwd_return, outperform)", text)};
}

// Runs both leak checks; throws CommandFailed naming every flagged feature.
void run_leak_check(const store::Panel& panel, const features::FeatureMatrix& matrix,
                    const BuildArgs& args) {
  const auto labels = value_or_fail(dataset::make_labels(panel, {.kind = parse_label(args.label), .horizon = args.horizon}));
  const auto association = value_or_fail(dataset::check_label_association(matrix, labels));
  std::vector<std::string> problems;
  for (const auto& f : association.features) {
    if (f.flagged) problems.push_back(fmt::format("{}: {}", f.name, f.reason));
  }
  if (args.truncation_cuts > 0) {
    const features::FeatureOptions options{.show_progress = false};
    const auto truncation = value_or_fail(dataset::check_truncation(
        panel, matrix, [&](const store::Panel& p) -> core::Result<features::FeatureMatrix> {
          return features::compute_features(p, options);
        },
        {.cut_points = args.truncation_cuts}));
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
  fmt::print("leak check: passed ({} features against {}, {} truncation cut(s)); strongest rank correlation {:.3f} ({})\n",
             matrix.num_features(), labels.name, args.truncation_cuts,
             strongest ? strongest->rank_correlation : 0.0, strongest ? strongest->name : "-");
}

void run_build(const GlobalOptions& global, const BuildArgs& args) {
  const auto db = resolve_db(global, args.db);
  const store::Panel panel = load_panel(global, args.db);
  const features::FeatureMatrix matrix = features::compute_features(panel, {.show_progress = !global.quiet});
  run_leak_check(panel, matrix, args);
  const std::filesystem::path out = args.out.empty() ? default_feature_path(db) : std::filesystem::path(args.out);
  check(dataset::write_feature_file(matrix, out));

  const auto stats = dataset::summarise_features(matrix);
  std::size_t finite = 0;
  for (const auto& s : stats) finite += s.count;
  const double cells = static_cast<double>(matrix.values.size());
  fmt::print("wrote {}: {} features x {} tickers x {} dates ({}..{}), {:.1f}% of values present\n", out.string(),
             matrix.num_features(), matrix.num_tickers(), matrix.num_dates(),
             matrix.dates.empty() ? "-" : matrix.dates.front().to_string(),
             matrix.dates.empty() ? "-" : matrix.dates.back().to_string(),
             cells > 0 ? 100.0 * static_cast<double>(finite) / cells : 0.0);
  auto sparse = stats;
  std::sort(sparse.begin(), sparse.end(), [](const auto& a, const auto& b) { return a.nan_share > b.nan_share; });
  sparse.resize(std::min<std::size_t>(5, sparse.size()));
  fmt::print("least covered:");
  for (const auto& s : sparse) fmt::print(" {} ({:.1f}% missing)", s.name, 100.0 * s.nan_share);
  fmt::print("\n");
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
  CLI::App* group = app.add_subcommand("features", "Feature matrix: build the snapshot, describe coverage");
  group->require_subcommand(1);

  auto build_args = std::make_shared<BuildArgs>();
  CLI::App* build = group->add_subcommand(
      "build",
      "Compute every feature for the research panel, run the look-ahead check (label association "
      "and truncation at sampled dates) and write the feature snapshot. Fails, writing nothing, "
      "if a feature looks ahead.");
  add_db_option(*build, build_args->db);
  build->add_option("--out", build_args->out, "Feature snapshot file (default: <db>.features next to the store)");
  build->add_option("--label", build_args->label, "Label the leak check tests against: direction, fwd_return, outperform")
      ->capture_default_str();
  build->add_option("--horizon", build_args->horizon, "Label horizon in trading days")->capture_default_str()->check(CLI::PositiveNumber);
  build->add_option("--truncation-cuts", build_args->truncation_cuts,
                    "Dates at which features are recomputed on truncated data (0: skip)")
      ->capture_default_str();
  build->callback([&global, build_args] { run_build(global, *build_args); });

  auto describe_args = std::make_shared<DescribeArgs>();
  CLI::App* describe = group->add_subcommand(
      "describe", "Coverage and summary statistics per feature (count, NaN share, mean, std, min, p1, p50, p99, max)");
  add_db_option(*describe, describe_args->db);
  describe->add_option("--features", describe_args->features, "Read a feature snapshot instead of computing from the store")
      ->check(CLI::ExistingFile);
  describe->add_flag("--json", describe_args->json, "Print JSON instead of a table");
  describe->callback([&global, describe_args] { run_describe(global, *describe_args); });
}

}  // namespace kestrel::app
