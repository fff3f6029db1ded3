#include "pipeline/retrain.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "dataset/labels.hpp"
#include "dataset/panel_truncation.hpp"
#include "evaluation/metrics.hpp"
#include "evaluation/scored_samples.hpp"
#include "features/feature_pipeline.hpp"
#include "pipeline/model_steps.hpp"
#include "scoring/model_scorer.hpp"
#include "store/market_store.hpp"
#include "store/model_registry.hpp"

namespace kestrel::pipeline {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The champion: the registry's "champion" of that name, else its newest "trained" entry.
core::Result<store::RegisteredModel> find_champion(store::MarketStore& market, const std::string& name) {
  auto models = market.registered_models();
  if (!models) return std::unexpected(models.error());
  const store::RegisteredModel* champion = nullptr;
  const store::RegisteredModel* newest = nullptr;
  for (const auto& m : *models) {
    if (m.name != name) continue;
    if (m.status == "champion") champion = &m;
    if (m.status == "trained") newest = &m;
  }
  const auto* chosen = champion != nullptr ? champion : newest;
  if (chosen == nullptr) {
    return core::fail_as(core::ErrorKind::NotFound,
                         "retrain: no {} in the registry of {}: run `kestrel pipeline` with this model first",
                         name, market.path().string());
  }
  auto checksum = store::model_files_checksum(chosen->path);
  if (!checksum || *checksum != chosen->files_checksum) {
    return core::fail("retrain: the champion's folder {} no longer holds the model registered as {} ({})",
                      chosen->path, chosen->id, checksum ? "its files changed" : checksum.error().message);
  }
  return *chosen;
}

// Per session: instrument -> score.
using SessionScores = std::map<std::size_t, std::map<std::uint32_t, double>>;

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / static_cast<double>(v.size());
}

}  // namespace

core::Result<RetrainResult> retrain(const PipelineConfig& config, const std::filesystem::path& out,
                                    const RetrainOptions& options) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  if (std::find(config.models.begin(), config.models.end(), options.model) == config.models.end()) {
    return core::fail_as(core::ErrorKind::Config, "retrain: {} is not one of the config's models ({})", options.model,
                         fmt::join(config.models, ", "));
  }
  if (options.shadow_days < 2) return core::fail_as(core::ErrorKind::Config, "retrain: the shadow period needs 2 sessions or more");
  const auto db = out / "market.db";
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) {
    return core::fail_as(core::ErrorKind::NotFound, "retrain: {} does not exist: run `kestrel pipeline --out {}` first",
                         db.string(), out.string());
  }
  store::RegisteredModel champion_entry;
  {
    auto market = store::MarketStore::open(db, store::MarketStore::Access::ReadWrite);
    if (!market) return std::unexpected(market.error());
    auto found = find_champion(*market, options.model);
    if (!found) return std::unexpected(found.error());
    champion_entry = std::move(*found);
  }
  log(fmt::format("retrain {}: champion is registry entry {} ({}), trained {}..{}", options.model, champion_entry.id,
                  champion_entry.status, champion_entry.train_begin.to_string(), champion_entry.train_end.to_string()));

  // The latest data, its features and labels.
  auto panel = import_data(config, out, options.show_progress);
  if (!panel) return std::unexpected(panel.error());
  if (options.as_of) {
    const auto dates = panel->dates();
    const auto after = std::upper_bound(dates.begin(), dates.end(), *options.as_of);
    if (after == dates.begin()) {
      return core::fail("retrain: no data on or before {} in {}", options.as_of->to_string(), config.data_dirs_text());
    }
    if (after != dates.end()) *panel = dataset::truncate_panel(*panel, static_cast<std::size_t>(after - dates.begin()) - 1);
  }
  const features::FeatureMatrix matrix =
      features::compute_features(*panel, {.benchmark = config.benchmark, .show_progress = options.show_progress});
  auto all_labels = make_pipeline_labels(config, *panel);
  if (!all_labels) return std::unexpected(all_labels.error());
  const dataset::Labels* labels = &all_labels->labels;
  const dataset::Labels* returns = &all_labels->forward_returns;

  // The shadow period: the last sessions whose forward return is known.
  std::size_t end = 0;
  for (std::size_t t = matrix.num_dates(); t-- > 0 && end == 0;) {
    for (std::size_t i = 0; i < returns->num_tickers(); ++i) {
      if (!std::isnan(returns->at(i, t))) {
        end = t + 1;
        break;
      }
    }
  }
  const std::size_t needed = options.shadow_days + options.valid_days + 2 * config.label.horizon + 252;
  if (end < needed) {
    return core::fail("retrain: {} labelled sessions, too few for a shadow period of {} after a year of training",
                      end, options.shadow_days);
  }
  const std::size_t shadow_begin = end - options.shadow_days;
  RetrainResult result;
  result.model = options.model;
  result.shadow_begin = matrix.dates[shadow_begin];
  result.shadow_end = matrix.dates[end - 1];
  if (champion_entry.train_end >= result.shadow_begin) {
    return core::fail("retrain: the champion trained on sessions up to {}, inside the shadow period from {}: it "
                      "cannot be judged out of sample; use a shorter --shadow-days or wait for new data",
                      champion_entry.train_end.to_string(), result.shadow_begin.to_string());
  }

  // The challenger: trained up to the shadow period, scoring it.
  auto fold = dataset::fixed_segments(matrix.dates, config.label.horizon, config.fixed.embargo,
                                      {.train_begin = config.fixed.train_begin,
                                       .train_end = std::nullopt,
                                       .valid_begin = matrix.dates[shadow_begin - options.valid_days],
                                       .valid_end = std::nullopt,
                                       .test_begin = result.shadow_begin,
                                       .test_end = result.shadow_end});
  if (!fold) return std::unexpected(fold.error());
  log(fmt::format("retrain {}: challenger {}", options.model, dataset::describe(*fold, matrix.dates)));
  // A folder of its own: never the champion's, nor an earlier challenger's still registered.
  auto challenger_dir = out / "models" / fmt::format("{}-challenger-{}", options.model, result.shadow_end.to_string());
  for (int n = 2; std::filesystem::exists(challenger_dir, ec); ++n) {
    challenger_dir = out / "models" / fmt::format("{}-challenger-{}-{}", options.model, result.shadow_end.to_string(), n);
  }
  auto run_opts = run_options(config, options.model, options.show_progress);
  run_opts.save_dir = challenger_dir;
  const evaluation::EvaluationData data{.matrix = &matrix, .labels = &*labels, .forward_returns = &*returns};
  auto run = evaluation::run_model(model_maker(config, matrix, options.model), data, std::span(&*fold, 1), run_opts);
  if (!run) return std::unexpected(run.error());
  const auto manifest = model_manifest(config, matrix, labels->name, options.model, *fold);
  if (auto s = scoring::write_manifest(challenger_dir, manifest); !s) return std::unexpected(s.error());
  SessionScores challenger;
  for (const auto& s : run->predictions) challenger[s.t][s.ticker] = s.score;

  // The champion, scored on the same sessions as trading would score it.
  auto saved = scoring::load_saved_model(champion_entry.path);
  if (!saved) return std::unexpected(saved.error());
  scoring::ModelScorer scorer(std::move(*saved));
  std::vector<std::uint32_t> universe;
  for (std::size_t i = 0; i < panel->num_tickers(); ++i) {
    if (!feature_input_only(config, *panel, i)) universe.push_back(static_cast<std::uint32_t>(i));
  }
  SessionScores champion;
  for (std::size_t t = shadow_begin; t < end; ++t) {
    auto scores = scorer.score(*panel, t, universe);
    if (!scores) return std::unexpected(scores.error());
    for (const auto& p : *scores) champion[t][p.instrument] = p.score;
  }

  // Session by session, on the names both scored: rank IC of each against what happened.
  std::vector<double> ic_champion, ic_challenger, difference;
  for (std::size_t t = shadow_begin; t < end; t += config.label.horizon) {
    if (!champion.contains(t) || !challenger.contains(t)) continue;
    std::vector<double> a, b, r;
    for (const auto& [ticker, score] : challenger.at(t)) {
      const auto other = champion.at(t).find(ticker);
      const double ret = returns->at(ticker, t);
      if (other == champion.at(t).end() || std::isnan(ret)) continue;
      a.push_back(other->second);
      b.push_back(score);
      r.push_back(ret);
    }
    if (r.size() < 5) continue;
    const double x = evaluation::spearman(a, r), y = evaluation::spearman(b, r);
    if (!std::isfinite(x) || !std::isfinite(y)) continue;  // a model that gave every name one score
    ic_champion.push_back(x);
    ic_challenger.push_back(y);
    difference.push_back(y - x);
  }
  for (const auto& [t, s] : champion) result.champion.samples += s.size();
  for (const auto& [t, s] : challenger) result.challenger.samples += s.size();
  result.sessions_compared = difference.size();
  result.champion.registry_id = champion_entry.id;
  result.champion.folder = champion_entry.path;
  result.champion.mean_rank_ic = mean(ic_champion);
  result.challenger.mean_rank_ic = mean(ic_challenger);
  result.challenger.folder = std::filesystem::absolute(challenger_dir, ec).string();
  if (difference.size() < 2) {
    std::filesystem::remove_all(challenger_dir, ec);  // never registered: leave nothing behind
    return core::fail("retrain: only {} shadow session(s) where both models ranked at least 5 names: nothing to "
                      "compare (a model that gives every stock one score cannot be judged on its ranking)",
                      difference.size());
  }
  result.mean_difference = mean(difference);
  double ss = 0;
  for (double d : difference) ss += (d - result.mean_difference) * (d - result.mean_difference);
  result.standard_error = std::sqrt(ss / static_cast<double>(difference.size() - 1) / static_cast<double>(difference.size()));
  result.z = result.standard_error > 0 ? result.mean_difference / result.standard_error
                                       : (result.mean_difference > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  result.promoted = result.z > options.margin_z;
  result.verdict = fmt::format(
      "{}: the challenger's rank IC over {} shadow sessions ({}..{}) is {:.4f} against the champion's {:.4f}; the "
      "mean difference {:+.4f} is {:.2f} standard errors from zero ({} {:.3f})",
      result.promoted ? "promoted" : "champion kept", result.sessions_compared, result.shadow_begin.to_string(),
      result.shadow_end.to_string(), result.challenger.mean_rank_ic, result.champion.mean_rank_ic,
      result.mean_difference, result.z, result.promoted ? "above the margin" : "not above the margin", options.margin_z);

  // The registry: the challenger's entry, and the verdict on both.
  ModelResult m;
  m.name = options.model;
  m.model_dir = challenger_dir;
  m.fixed = evaluation::metric_table(run->predictions, matrix.dates, matrix.tickers);
  if (!run->folds.empty()) {
    m.train_samples = run->folds.front().train_samples;
    m.fit = run->folds.front().fit;
  }
  auto registered = register_model(db, m, manifest, result.promoted ? "champion" : "challenger",
                                   StatusChange{champion_entry.id, result.promoted ? "retired" : "champion"});
  if (!registered) return std::unexpected(registered.error());
  result.challenger.registry_id = *registered;

  // The decision, for the record.
  // One file per decision, never over an earlier one.
  result.decision_file = out / "retrain" / fmt::format("{}-{}.json", options.model, result.shadow_end.to_string());
  for (int n = 2; std::filesystem::exists(result.decision_file, ec); ++n) {
    result.decision_file = out / "retrain" / fmt::format("{}-{}-{}.json", options.model, result.shadow_end.to_string(), n);
  }
  std::filesystem::create_directories(result.decision_file.parent_path(), ec);
  nlohmann::json j = {
      {"model", options.model},
      {"shadow", {{"begin", result.shadow_begin.to_string()}, {"end", result.shadow_end.to_string()},
                  {"sessions_compared", result.sessions_compared}, {"every_nth_session", config.label.horizon}}},
      {"champion", {{"id", result.champion.registry_id}, {"folder", result.champion.folder},
                    {"samples", result.champion.samples}, {"mean_rank_ic", result.champion.mean_rank_ic}}},
      {"challenger", {{"id", result.challenger.registry_id}, {"folder", result.challenger.folder},
                      {"samples", result.challenger.samples}, {"mean_rank_ic", result.challenger.mean_rank_ic},
                      {"trained", {{"begin", manifest.train_begin.to_string()}, {"end", manifest.train_end.to_string()}}}}},
      {"daily_rank_ic", {{"champion", ic_champion}, {"challenger", ic_challenger}}},
      {"mean_difference", result.mean_difference},
      {"standard_error", result.standard_error},
      {"z", std::isfinite(result.z) ? nlohmann::json(result.z) : nlohmann::json(nullptr)},
      {"margin_z", options.margin_z},
      {"promoted", result.promoted},
      {"verdict", result.verdict}};
  std::ofstream file(result.decision_file);
  file << j.dump(2) << '\n';
  if (!file) return core::fail("{}: cannot write the decision", result.decision_file.string());
  log("retrain " + options.model + ": " + result.verdict);
  return result;
}

}  // namespace kestrel::pipeline
