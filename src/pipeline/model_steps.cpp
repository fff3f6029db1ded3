#include "pipeline/model_steps.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/iso_time.hpp"
#include "core/paths.hpp"
#include "ml/model_factory.hpp"
#include "store/importer.hpp"
#include "store/market_store.hpp"
#include "store/model_registry.hpp"
#include "store/snapshot.hpp"

namespace kestrel::pipeline {

core::Result<store::Panel> import_data(const PipelineConfig& config, const std::filesystem::path& out,
                                       bool progress) {
  const auto db = out / "market.db";
  {
    auto market = store::MarketStore::open(db, store::MarketStore::Access::ReadWrite);
    if (!market) return std::unexpected(market.error());
    auto prepared = store::prepare_import(config.data_dirs(), {.show_progress = progress});
    if (!prepared) return std::unexpected(prepared.error());
    if (!config.tickers.empty()) {  // data.tickers, and the benchmark
      std::set<std::string> keep(config.tickers.begin(), config.tickers.end());
      keep.insert(config.benchmark);
      const auto found = store::keep_only_tickers(*prepared, keep);
      for (const auto& t : config.tickers) {
        if (!found.contains(t)) {
          return core::fail_as(core::ErrorKind::Config, "data.tickers: {} has no bar file in {}", t, config.data_dirs_text());
        }
      }
    }
    auto report = store::write_import(*market, std::move(*prepared));
    if (!report) return std::unexpected(report.error());
  }
  return store::open_research_panel(db, core::default_snapshot_path(db));
}

core::Result<dataset::Fold> fixed_fold(const PipelineConfig& config, std::span<const core::Date> dates) {
  return dataset::fixed_segments(dates, config.label.horizon, config.fixed.embargo,
                                 {.train_begin = config.fixed.train_begin,
                                  .train_end = config.fixed.train_end,
                                  .valid_begin = config.fixed.valid_begin,
                                  .valid_end = config.fixed.valid_end,
                                  .test_begin = config.fixed.test_begin,
                                  .test_end = config.fixed.test_end});
}

bool feature_input_only(const PipelineConfig& config, const store::Panel& panel, std::size_t instrument) {
  return panel.sectors()[instrument] == config.label.benchmark_sector || panel.tickers()[instrument] == config.benchmark;
}

core::Result<PipelineLabels> make_pipeline_labels(const PipelineConfig& config, const store::Panel& panel) {
  auto labels = dataset::make_labels(panel, config.label);
  if (!labels) return std::unexpected(labels.error());
  auto returns = dataset::make_labels(panel, {.kind = dataset::LabelKind::ForwardReturn,
                                              .horizon = config.label.horizon,
                                              .dead_zone = 0,
                                              .min_cross_section = config.label.min_cross_section,
                                              .benchmark_sector = config.label.benchmark_sector});
  if (!returns) return std::unexpected(returns.error());
  return PipelineLabels{std::move(*labels), std::move(*returns)};
}

evaluation::ModelMaker model_maker(const PipelineConfig& config, const features::FeatureMatrix& matrix,
                                   const std::string& name) {
  std::vector<std::size_t> all_columns(matrix.num_features());
  for (std::size_t f = 0; f < all_columns.size(); ++f) all_columns[f] = f;
  ml::ModelConfig mc = config.model_configs.at(name);
  mc.feature_names = ml::feature_names_for(matrix, all_columns);
  return [mc, name]() -> core::Result<std::unique_ptr<ml::Model>> { return ml::make_model(name, mc); };
}

evaluation::RunOptions run_options(const PipelineConfig& config, const std::string& name, bool show_progress) {
  const auto& mc = config.model_configs.at(name);
  return evaluation::RunOptions{
      .lookback = mc.lookback,
      .nan_policy = config.nan_policy,
      .fit = {.seed = config.seed, .threads = config.threads, .show_progress = show_progress, .checkpoint_dir = {}}};
}

BesideThreads walk_forward_beside_threads(const PipelineConfig& config, const std::string& name) {
  if (name != "xgboost") return {};
  const auto self = std::find(config.models.begin(), config.models.end(), name);
  if (self == config.models.end() || self + 1 == config.models.end()) return {};
  const int cores = config.threads > 0 ? config.threads : static_cast<int>(std::thread::hardware_concurrency());
  if (cores < 2) return {};
  return {.walk_forward = cores / 2, .others = cores - cores / 2};
}

scoring::ModelManifest model_manifest(const PipelineConfig& config, const features::FeatureMatrix& matrix,
                                      const std::string& label_name, const std::string& name, const dataset::Fold& fold) {
  return scoring::ModelManifest{.model = name,
                                .features = matrix.names,
                                .benchmark = config.benchmark,
                                .benchmark_sector = config.label.benchmark_sector,
                                .lookback = config.model_configs.at(name).lookback,
                                .nan_policy = config.nan_policy,
                                .label = label_name,
                                .train_begin = matrix.dates[fold.train.begin],
                                .train_end = matrix.dates[fold.train.end - 1],
                                .config_hash = config.hash,
                                .seed = config.seed};
}

namespace {

// Number or null: JSON has no NaN (an AUC of a single-class test set, a Sharpe of a flat run).
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// What the registry keeps of a model's evaluation: the fit's validation loss, the test
// segment's classification and ranking metrics, the walk-forward's, and the test backtest's.
std::string registry_metrics(const ModelResult& m) {
  auto row = [](const evaluation::MetricRow& r) {
    return nlohmann::json{{"samples", r.classification.samples},
                          {"accuracy", finite_or_null(r.classification.accuracy)},
                          {"auc", finite_or_null(r.classification.auc)},
                          {"log_loss", finite_or_null(r.classification.log_loss)},
                          {"ic", finite_or_null(r.ic.ic)},
                          {"rank_ic", finite_or_null(r.ic.rank_ic)},
                          {"ic_dates", r.ic.dates}};  // few dates (tied scores): a noisy IC
  };
  nlohmann::json j = {{"validation", {{"best_loss", finite_or_null(m.fit.best_validation_loss)},
                                      {"best_epoch", m.fit.best_epoch},
                                      {"epochs", m.fit.epochs_run}}},
                      {"test", row(m.fixed.overall)},
                      {"train_samples", m.train_samples}};
  if (m.walk_forward) j["walk_forward"] = row(m.walk_forward->overall);
  if (m.importance) {
    auto top = nlohmann::json::array();
    for (std::size_t k = 0; k < std::min<std::size_t>(20, m.importance->features.size()); ++k) {
      top.push_back({{"feature", m.importance->features[k].feature},
                     {"drop", finite_or_null(m.importance->features[k].drop)}});
    }
    if (!m.attribution.empty()) {
      auto shap = nlohmann::json::array();
      for (std::size_t k = 0; k < std::min<std::size_t>(20, m.attribution.size()); ++k) {
        shap.push_back({{"feature", m.attribution[k].feature}, {"mean_abs", finite_or_null(m.attribution[k].drop)}});
      }
      j["shap_top"] = shap;
    }
    j["importance"] = {{"metric", m.importance->metric},
                       {"baseline", finite_or_null(m.importance->baseline)},
                       {"samples", m.importance->samples},
                       {"top", top}};
  }
  if (m.backtest) {
    j["backtest"] = {{"cagr", finite_or_null(m.backtest->strategy.annual_return)},
                     {"sharpe", finite_or_null(m.backtest->strategy.sharpe)},
                     {"max_drawdown", finite_or_null(m.backtest->strategy.max_drawdown)},
                     {"benchmark_cagr", finite_or_null(m.backtest->benchmark.annual_return)},
                     {"trades", m.trades},
                     {"commissions", m.commissions}};
  }
  return j.dump();
}

}  // namespace

core::Result<std::int64_t> register_model(const std::filesystem::path& db, const ModelResult& m,
                                          const scoring::ModelManifest& manifest, const std::string& status,
                                          std::optional<StatusChange> replaced) {
  auto market = store::MarketStore::open(db, store::MarketStore::Access::ReadWrite);
  if (!market) return std::unexpected(market.error());
  auto store_id = market->store_id();
  if (!store_id) return std::unexpected(store_id.error());
  auto version = market->data_version();
  if (!version) return std::unexpected(version.error());
  auto checksum = store::model_files_checksum(m.model_dir);
  if (!checksum) return std::unexpected(checksum.error());
  std::error_code ec;
  const auto path = std::filesystem::absolute(m.model_dir, ec);
  return market->register_model({.id = 0, .name = m.name, .kind = manifest.model, .path = path.string(),
                                 .files_checksum = *checksum, .config_hash = manifest.config_hash,
                                 .store_id = *store_id, .data_version = *version, .label = manifest.label,
                                 .train_begin = manifest.train_begin, .train_end = manifest.train_end,
                                 .features = manifest.features, .metrics = registry_metrics(m),
                                 .created_at = core::iso_time(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                                    std::chrono::system_clock::now().time_since_epoch())
                                                                    .count()),
                                 .status = status},
                                replaced ? replaced->id : 0, replaced ? replaced->status : std::string());
}

}  // namespace kestrel::pipeline
