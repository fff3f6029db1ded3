#include "pipeline/pipeline.hpp"
#include "pipeline/rl_stage.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <limits>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include <fmt/format.h>

#include "analysis/report.hpp"
#include "backtest/config.hpp"
#include "backtest/runner.hpp"
#include "core/checksum.hpp"
#include "core/elapsed.hpp"
#include "core/memory_release.hpp"
#include "core/paths.hpp"
#include "core/progress.hpp"
#include "dataset/leak_check.hpp"
#include "evaluation/attention_maps.hpp"
#include "evaluation/metrics.hpp"
#include "evaluation/walk_forward_run.hpp"
#include "features/feature_pipeline.hpp"
#include "features/sentiment_features.hpp"
#include "ml/fitted_model_cache.hpp"
#include "ml/prediction_memo.hpp"
#include "ml/model_factory.hpp"
#include "pipeline/comparison_report.hpp"
#include "pipeline/model_steps.hpp"
#include "pipeline/sentiment_inputs.hpp"
#include "scoring/saved_model.hpp"
#include "store/market_store.hpp"
#include "store/research_span.hpp"

namespace kestrel::pipeline {
namespace {

std::size_t first_index_on_or_after(std::span<const core::Date> dates, core::Date d) {
  return static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), d) - dates.begin());
}

// The mean of each session's rank IC (scores against forward returns, at least 5 names) per
// calendar month, dated by the month's first session in the predictions.
void monthly_rank_ic(std::span<const evaluation::ScoredSample> samples, std::span<const core::Date> dates,
                     std::vector<core::Date>& months, std::vector<double>& means) {
  std::map<std::uint32_t, std::pair<std::vector<double>, std::vector<double>>> by_session;
  for (const auto& s : samples) {
    if (std::isnan(s.forward_return)) continue;
    by_session[s.t].first.push_back(s.score);
    by_session[s.t].second.push_back(s.forward_return);
  }
  int month = -1;
  double sum = 0;
  std::size_t n = 0;
  auto close = [&] {
    if (n > 0) means.push_back(sum / static_cast<double>(n));
    sum = 0;
    n = 0;
  };
  for (const auto& [t, xy] : by_session) {
    const core::Date d = dates[t];
    const int key = d.year() * 12 + static_cast<int>(d.month());
    if (key != month) {
      if (month >= 0 && n == 0) months.pop_back();  // a month without a usable session
      close();
      months.push_back(d);
      month = key;
    }
    if (xy.first.size() < 5) continue;
    const double ic = evaluation::spearman(xy.first, xy.second);
    if (!std::isfinite(ic)) continue;  // every name scored alike that day
    sum += ic;
    ++n;
  }
  if (month >= 0 && n == 0) months.pop_back();
  close();
}

// Calibration: the samples in ten groups by score (cut at the score's deciles; equal scores
// always share a group, so a model with few distinct scores has fewer groups and one that gives
// every sample the same score has none), each group's mean score and share of up labels.
std::vector<std::pair<double, double>> calibration_deciles(std::span<const evaluation::ScoredSample> samples) {
  std::vector<float> scores;
  for (const auto& s : samples) {
    if (!std::isnan(s.label)) scores.push_back(s.score);
  }
  std::vector<std::pair<double, double>> out;
  if (scores.size() < 10) return out;
  std::sort(scores.begin(), scores.end());
  std::vector<float> edges;  // upper bounds of the groups but the last
  for (std::size_t d = 1; d < 10; ++d) {
    const float edge = scores[scores.size() * d / 10];
    if (edges.empty() || edge > edges.back()) edges.push_back(edge);
  }
  std::vector<double> sum(edges.size() + 1, 0), up(edges.size() + 1, 0), count(edges.size() + 1, 0);
  for (const auto& s : samples) {
    if (std::isnan(s.label)) continue;
    const auto g = static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), s.score) - edges.begin());
    sum[g] += s.score;
    up[g] += s.label;
    count[g] += 1;
  }
  for (std::size_t g = 0; g < count.size(); ++g) {
    if (count[g] > 0) out.push_back({sum[g] / count[g], up[g] / count[g]});
  }
  if (out.size() < 2) out.clear();  // one score for everything: nothing to calibrate
  return out;
}

// date,ticker,score: news_mean wherever a session has news for a ticker (the event stop's input).
core::Status write_news_sentiment(const std::filesystem::path& path, const features::FeatureMatrix& matrix) {
  const auto f = matrix.feature_index("news_mean");
  if (!f) return core::fail("internal: no news_mean feature to write to {}", path.string());
  std::ofstream out(path);
  if (!out) return core::fail("{}: cannot write the news sentiment file", path.string());
  out << "date,ticker,score\n";
  for (std::size_t t = 0; t < matrix.num_dates(); ++t) {
    for (std::size_t k = 0; k < matrix.num_tickers(); ++k) {
      const float v = matrix.at(*f, k, t);
      if (std::isfinite(v)) out << matrix.dates[t].to_string() << ',' << matrix.tickers[k] << ',' << fmt::format("{:.9g}", v) << '\n';
    }
  }
  out.close();
  if (!out) return core::fail("{}: write failed", path.string());
  return {};
}

core::Status write_predictions(const std::filesystem::path& path, std::span<const evaluation::ScoredSample> samples,
                               const features::FeatureMatrix& matrix) {
  std::ofstream out(path);
  if (!out) return core::fail("{}: cannot write the predictions file", path.string());
  out << "date,ticker,score\n";
  for (const auto& s : samples) {
    out << matrix.dates[s.t].to_string() << ',' << matrix.tickers[s.ticker] << ',' << fmt::format("{:.9g}", s.score)
        << '\n';
  }
  out.close();
  if (!out) return core::fail("{}: write failed", path.string());
  return {};
}

// Every walk-forward model's out-of-fold scores, one <model>.csv each (the [rl] stage reads them).
std::filesystem::path walk_forward_predictions(const std::filesystem::path& out) {
  return out / "predictions" / "walk_forward";
}

}  // namespace

// The signal strategy over the test segment, after costs: a backtest config built as a value.
// Its TOML text is only written for the record (the report's "Run" section), never parsed.
backtest::BacktestConfig backtest_config(const PipelineConfig& config, const std::string& model,
                                         const std::filesystem::path& db, const std::filesystem::path& predictions,
                                         const std::vector<std::string>& exclude, core::Date start, core::Date end,
                                         const std::filesystem::path& news) {
  const auto& b = config.backtest;
  backtest::BacktestConfig c;
  c.mode = backtest::Mode::Backtest;
  c.name = fmt::format("{}-{}", config.name, model);
  c.seed = config.seed;
  c.data.db = db;
  c.data.exclude = exclude;
  c.data.benchmark = config.benchmark;
  c.data.start = start;
  c.data.end = end;
  c.portfolio.initial_cash = core::Money::round(b.initial_cash);
  c.time_in_force = execution::TimeInForce::Day;
  c.broker.participation_cap = 0.05;
  c.broker.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = b.slippage_bps};
  c.broker.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1.0,
                         .maximum_fraction = 0.01};
  if (!b.trade_rules) {
    c.rules.stop_loss = 0;
    c.rules.breakeven_after = 0;
    c.rules.trail = 0;
    c.rules.time_stop_days = 0;
  }
  c.rules.max_positions = std::max<std::size_t>(b.top_k, 20);
  c.risk.enabled = b.risk_limits;
  c.strategy.type = "signal";
  c.strategy.predictions = predictions;
  c.strategy.signal.top_k = b.top_k;
  c.strategy.signal.long_short = b.long_short;
  c.strategy.signal.hold_band = b.hold_band;
  c.strategy.signal.rebalance_every = b.rebalance_every;
  c.strategy.signal.min_hold_days = b.min_hold_days;
  c.strategy.signal.min_gain = b.min_gain;
  if (b.event_stop) {
    c.strategy.news = news;
    c.strategy.signal.event_stop = *b.event_stop;
  }
  c.portfolio.allow_short = b.long_short;

  toml::array excluded;
  for (const auto& e : exclude) excluded.push_back(e);
  toml::table text{
      {"mode", "backtest"},
      {"name", c.name},
      {"seed", static_cast<std::int64_t>(c.seed)},
      {"data", toml::table{{"db", db.generic_string()}, {"exclude", excluded}, {"benchmark", config.benchmark},
                           {"start", start.to_string()}, {"end", end.to_string()}}},
      {"portfolio", toml::table{{"initial_cash", b.initial_cash}, {"allow_short", b.long_short}}},
      {"execution", toml::table{{"time_in_force", "day"},
                                {"participation_cap", 0.05},
                                {"slippage", toml::table{{"model", "fixed_bps"}, {"bps", b.slippage_bps}}},
                                {"commission", toml::table{{"model", "per_share"}}}}},
      {"rules", toml::table{{"stop_loss", c.rules.stop_loss},
                            {"breakeven_after", c.rules.breakeven_after},
                            {"trail", c.rules.trail},
                            {"time_stop_days", static_cast<std::int64_t>(c.rules.time_stop_days)},
                            {"max_positions", static_cast<std::int64_t>(c.rules.max_positions)}}},
      {"strategy", toml::table{{"type", "signal"},
                               {"predictions", predictions.generic_string()},
                               {"top_k", static_cast<std::int64_t>(b.top_k)},
                               {"long_short", b.long_short},
                               {"hold_band", static_cast<std::int64_t>(b.hold_band)},
                               {"rebalance_every", static_cast<std::int64_t>(b.rebalance_every)},
                               {"min_hold_days", static_cast<std::int64_t>(b.min_hold_days)},
                               {"min_gain", b.min_gain}}},
      {"risk", toml::table{{"enabled", b.risk_limits}}}};
  if (b.event_stop) {
    auto& strategy = *text["strategy"].as_table();
    strategy.insert("news", news.generic_string());
    strategy.insert("event_stop", *b.event_stop);
  }
  std::ostringstream out;
  out << text;
  c.effective_text = out.str();
  c.hash = fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(c.effective_text.data(), c.effective_text.size()))));
  return c;
}

core::Result<PipelineResult> run_pipeline(const PipelineConfig& config, const PipelineOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  std::error_code ec;
  std::filesystem::create_directories(options.out / "predictions", ec);
  if (ec) return core::fail("{}: cannot create the output folder: {}", options.out.string(), ec.message());
  // Absolute, because the generated backtest configs resolve their paths against it.
  const std::filesystem::path out = std::filesystem::absolute(options.out, ec);
  if (ec) return core::fail("{}: {}", options.out.string(), ec.message());

  PipelineResult result;
  result.name = config.name;
  result.seed = config.seed;
  result.config_hash = config.hash;
  result.benchmark = config.benchmark;
  result.initial_cash = config.backtest.initial_cash;
  result.slippage_bps = config.backtest.slippage_bps;
  result.long_short = config.backtest.long_short;
  {
    const auto& b = config.backtest;
    result.backtest_shape = fmt::format("top {} long{}", b.top_k, b.long_short ? fmt::format(", bottom {} short", b.top_k) : "");
    if (b.hold_band > 0) result.backtest_shape += fmt::format(", hold band {}", b.hold_band);
    if (b.rebalance_every > 1) result.backtest_shape += fmt::format(", decide every {} days", b.rebalance_every);
    if (b.min_hold_days > 0) result.backtest_shape += fmt::format(", hold at least {} days", b.min_hold_days);
    if (b.min_gain > 0) result.backtest_shape += fmt::format(", replace only for a score gain above {}", b.min_gain);
    if (b.event_stop) result.backtest_shape += fmt::format(", event stop below news sentiment {}", *b.event_stop);
  }
  result.models_planned = config.models.size();

  // Data.
  log(fmt::format("data: importing {}", config.data_dirs_text()));
  auto panel = import_data(config, out, options.show_progress);
  if (!panel) return std::unexpected(panel.error());
  if (panel->num_dates() == 0) return core::fail("{}: no bars imported", config.data_dirs_text());
  if (!panel->ticker_index(config.benchmark)) {
    // Before hours of training: every backtest and the benchmark-relative features need it.
    return core::fail_as(core::ErrorKind::Config, "data.benchmark '{}' is not in the data imported from {}",
                         config.benchmark, config.data_dirs_text());
  }
  // Research starts where the stocks do, less a warm-up for the benchmark's windows
  // (store/research_span.hpp): no value a stock sees changes, and the arrays shrink.
  if (const std::size_t start = store::research_start(*panel, config.benchmark, config.label.benchmark_sector); start > 0) {
    log(fmt::format("data: research dates from {} ({} sessions before the first stock bar); the {} earlier dates "
                    "hold only benchmark-sector tickers", panel->dates()[start].to_string(), store::kResearchWarmupSessions,
                    start));
    *panel = panel->from_date_index(start);
  }
  result.first_date = panel->dates().front();
  result.last_date = panel->dates().back();
  result.tickers = panel->num_tickers();

  // Features and the look-ahead check on the real features.
  log(fmt::format("features: {} tickers x {} dates", panel->num_tickers(), panel->num_dates()));
  const features::FeatureOptions feature_options{.benchmark = config.benchmark, .show_progress = options.show_progress};
  // Not const: permutation importance shuffles one feature at a time and restores it.
  features::FeatureMatrix matrix = features::compute_features(*panel, feature_options);
  std::optional<SentimentInputs> sentiment;
  std::filesystem::path news_file;
  if (config.sentiment.enabled) {
    auto loaded = load_sentiment_inputs(config.sentiment, panel->tickers());
    if (!loaded) return std::unexpected(loaded.error());
    sentiment = std::move(*loaded);
    log(sentiment->summary);
    result.sentiment = sentiment->summary;
    features::append_sentiment_features(matrix, *panel, sentiment->news, sentiment->options);
    const auto count = matrix.feature_index("news_count");
    const auto values = std::span(matrix.values).subspan(*count * matrix.num_tickers() * matrix.num_dates(),
                                                         matrix.num_tickers() * matrix.num_dates());
    if (std::none_of(values.begin(), values.end(), [](float v) { return std::isfinite(v); })) {
      return core::fail_as(core::ErrorKind::Config, "features.sentiment: the news coverage ({}) does not overlap the data's "
                           "dates {} .. {}: every sentiment feature would be missing", sentiment->summary,
                           panel->dates().front().to_string(), panel->dates().back().to_string());
    }
    // Each session's news sentiment per ticker, for the backtests' event stop.
    news_file = out / "news_sentiment.csv";
    if (auto s = write_news_sentiment(news_file, matrix); !s) return std::unexpected(s.error());
  }
  result.features = matrix.num_features();
  auto all_labels = make_pipeline_labels(config, *panel);
  if (!all_labels) return std::unexpected(all_labels.error());
  const dataset::Labels* labels = &all_labels->labels;
  const dataset::Labels* returns = &all_labels->forward_returns;
  result.label = labels->name;
  {
    auto association = dataset::check_label_association(matrix, *labels);
    if (!association) return std::unexpected(association.error());
    const dataset::FeatureAssociation* strongest = nullptr;
    for (const auto& f : association->features) {
      if (f.flagged) result.leak_flags.push_back(fmt::format("{}: {}", f.name, f.reason));
      else if (!std::isnan(f.rank_correlation) &&
               (strongest == nullptr || std::fabs(f.rank_correlation) > std::fabs(strongest->rank_correlation))) {
        strongest = &f;
      }
    }
    if (strongest != nullptr) {
      result.strongest_association = fmt::format("{} (rank correlation {:.3f}, AUC {:.3f})", strongest->name,
                                                 strongest->rank_correlation, strongest->auc);
    }
    if (config.truncation_cuts > 0) {
      auto truncation = dataset::check_truncation(
          *panel, matrix,
          [&](const store::Panel& p) -> core::Result<features::FeatureMatrix> {
            auto cut = features::compute_features(p, {.benchmark = config.benchmark, .show_progress = false});
            if (sentiment) features::append_sentiment_features(cut, p, sentiment->news, sentiment->options);
            return cut;
          },
          {.cut_points = config.truncation_cuts});
      if (!truncation) return std::unexpected(truncation.error());
      for (const auto& c : truncation->changes) {
        result.leak_flags.push_back(fmt::format("{}: value for {} on {} changes when data after {} is removed",
                                                c.feature, c.ticker, c.date.to_string(), c.cut.to_string()));
      }
    }
    log(fmt::format("leak check: {}", result.leak_flags.empty() ? "passed" : "FLAGGED"));
    for (const auto& f : result.leak_flags) result.flags.push_back("leak check: " + f);
  }

  // Splits.
  auto fixed = fixed_fold(config, matrix.dates);
  if (!fixed) return std::unexpected(fixed.error());
  result.fixed_fold = dataset::describe(*fixed, matrix.dates);
  std::vector<dataset::Fold> folds;
  if (config.walk_forward.enabled) {
    const auto& w = config.walk_forward;
    dataset::WalkForwardOptions wf{.window = w.window,
                                   .train_dates = w.train_dates,
                                   .valid_dates = w.valid_dates,
                                   .test_dates = w.test_dates,
                                   .step_dates = 0,
                                   .first_date = w.first_date ? first_index_on_or_after(matrix.dates, *w.first_date) : 0,
                                   .end_date = fixed->test.end,
                                   .embargo = w.embargo};
    auto made = dataset::walk_forward(matrix.num_dates(), config.label.horizon, wf);
    if (!made) return std::unexpected(made.error());
    folds = std::move(*made);
    for (const auto& f : folds) result.walk_forward_folds.push_back(dataset::describe(f, matrix.dates));
    result.walk_forward_models = w.models.empty() ? config.models : w.models;
  }

  const evaluation::EvaluationData data{.matrix = &matrix, .labels = &*labels, .forward_returns = &*returns};
  auto options_for = [&](const std::string& name) { return run_options(config, name, options.show_progress); };
  auto maker_for = [&](const std::string& name) { return model_maker(config, matrix, name); };

  // Every stage's freed memory back to the system before the next (core/memory_release.hpp).
  core::release_free_memory();

  // Controls.
  if (config.controls) {
    log(fmt::format("controls: shuffled labels and a planted leak, with {}", config.control_model));
    const auto maker = maker_for(config.control_model);
    auto run_options = options_for(config.control_model);
    run_options.fit.show_progress = false;
    auto shuffled = evaluation::shuffled_label_control(maker, data, *fixed, run_options, config.control_options);
    if (!shuffled) return core::fail("control shuffled_labels: {}", shuffled.error().message);
    auto leak = evaluation::planted_leak_control(maker, data, *fixed, run_options, config.control_options);
    if (!leak) return core::fail("control planted_leak: {}", leak.error().message);
    for (auto* c : {&*shuffled, &*leak}) {
      log(fmt::format("  {}: {}", c->name, c->detail));
      if (!c->passed) result.flags.push_back(fmt::format("control {} failed: {}", c->name, c->detail));
      result.controls.push_back(std::move(*c));
    }
  }

  core::release_free_memory();

  // Models.
  const auto db = out / "market.db";
  std::vector<std::string> exclude;
  for (std::size_t i = 0; i < panel->num_tickers(); ++i) {
    if (feature_input_only(config, *panel, i)) exclude.push_back(panel->tickers()[i]);
  }
  // The models' fits, for the ensembles' members (ml/fitted_model_cache.hpp); not the
  // controls', whose labels or features are altered.
  const auto fitted_models = std::make_shared<ml::FittedModelCache>();
  const ml::PredictionMemoStats memo_before = ml::prediction_memo_stats();
  // A model's walk-forward scores and metrics, kept in `m` and written beside the test scores.
  const auto keep_walk_forward = [&](ModelResult& m, const evaluation::ModelRun& wf) -> core::Status {
    m.walk_forward = evaluation::metric_table(wf.predictions, matrix.dates, matrix.tickers);
    // The out-of-fold scores of every test fold, for whoever needs years of them (the [rl] stage).
    const auto wf_folder = walk_forward_predictions(out);
    std::error_code made;
    std::filesystem::create_directories(wf_folder, made);
    if (made) return core::fail("{}: cannot create the folder: {}", wf_folder.string(), made.message());
    return write_predictions(wf_folder / (m.name + ".csv"), wf.predictions, matrix);
  };
  // Walk-forward runs on a worker thread beside the next models (walk_forward_beside_threads),
  // collected after the last model. Declared after everything they read, so that an early
  // return waits for them (a std::async future's destructor) before those go; the guard,
  // destroyed first, cancels them so that the wait ends with their current fold.
  struct BesideRun {
    std::size_t model = 0;  // index in result.models
    std::chrono::steady_clock::time_point started;
    std::future<core::Result<evaluation::ModelRun>> run;
  };
  std::atomic<bool> cancel_beside{false};
  std::vector<BesideRun> beside;
  struct CancelOnExit {
    std::atomic<bool>& flag;
    ~CancelOnExit() { flag = true; }
  } cancel_on_exit{cancel_beside};
  int threads = config.threads;  // the models' own; fewer once a walk-forward runs beside them
  for (const auto& name : config.models) {
    ModelResult m;
    m.name = name;
    const auto maker = maker_for(name);
    auto run_options = options_for(name);
    run_options.fit.threads = threads;
    run_options.fit.fitted_models = fitted_models;
    log(fmt::format("model {}: fixed split", name));
    const auto fit_started = std::chrono::steady_clock::now();
    // The fixed split's model is saved with what trading needs to score it (kestrel trade).
    auto fixed_options = run_options;
    fixed_options.save_dir = out / "models" / name;
    auto run = evaluation::run_model(maker, data, std::span(&*fixed, 1), fixed_options);
    if (!run) return std::unexpected(run.error());
    const scoring::ModelManifest manifest = model_manifest(config, matrix, labels->name, name, *fixed);
    if (auto s = scoring::write_manifest(fixed_options.save_dir, manifest); !s) return std::unexpected(s.error());
    m.model_dir = fixed_options.save_dir;
    m.train_seconds = core::seconds_since(fit_started);
    const auto explain_started = std::chrono::steady_clock::now();
    // What the fitted model relies on, on the validation window (never the test segment).
    std::optional<scoring::SavedModel> saved;
    if ((config.importance_dates > 0 && !fixed->valid.empty()) || config.attention_samples > 0) {
      auto loaded = scoring::load_saved_model(m.model_dir);
      if (!loaded) return std::unexpected(loaded.error());
      saved.emplace(std::move(*loaded));
    }
    if (config.importance_dates > 0 && !fixed->valid.empty()) {
      // The last importance_dates of the window, fewer on a wide universe: about 10,000
      // samples at most, since every feature costs a full scoring of them (sequence networks
      // on two cores score a few thousand windows a second).
      const std::size_t names = std::max<std::size_t>(1, panel->num_tickers() - exclude.size());
      const std::size_t dates = std::min(config.importance_dates, std::max<std::size_t>(5, 10'000 / names));
      dataset::DateRange window = fixed->valid;
      window.begin = std::max(window.begin, window.end - std::min(window.size(), dates));
      auto importance = evaluation::permutation_importance(*saved->model, matrix, *labels, window, run_options, config.seed);
      if (!importance) {
        result.flags.push_back(fmt::format("{}: permutation importance failed: {}", name, importance.error().message));
      } else {
        m.importance = std::move(*importance);
      }
      if (saved->model->has_contributions()) {
        auto attribution = evaluation::mean_absolute_contributions(*saved->model, matrix, *labels, window, run_options);
        if (!attribution) {
          result.flags.push_back(fmt::format("{}: its SHAP values failed: {}", name, attribution.error().message));
        } else {
          m.attribution = std::move(*attribution);
        }
      }
    }
    // Where an attention model looks when it scores: described on test predictions, the
    // ones the report judges (it chooses nothing, so the test segment stays untouched).
    if (config.attention_samples > 0 && saved->model->has_attention()) {
      auto maps = evaluation::mean_attention(*saved->model, matrix, *labels, fixed->test, run_options,
                                             config.attention_samples);
      if (!maps) {
        result.flags.push_back(fmt::format("{}: its attention maps failed: {}", name, maps.error().message));
      } else {
        m.attention = std::move(*maps);
      }
    }
    const double explain_seconds = core::seconds_since(explain_started);
    if (!run->folds.empty()) {
      m.train_samples = run->folds.front().train_samples;
      m.fit = run->folds.front().fit;
    }
    m.fixed = evaluation::metric_table(run->predictions, matrix.dates, matrix.tickers);
    monthly_rank_ic(run->predictions, matrix.dates, m.ic_months, m.monthly_rank_ic);
    if (labels->is_classification()) m.calibration = calibration_deciles(run->predictions);
    if (m.fixed.overall.classification.accuracy > config.control_options.suspicious_accuracy) {
      result.flags.push_back(fmt::format("{}: test accuracy {:.3f} is above {:.2f}: implausible for daily direction, "
                                         "suspect leakage",
                                         name, m.fixed.overall.classification.accuracy,
                                         config.control_options.suspicious_accuracy));
    }
    m.predictions = out / "predictions" / (name + ".csv");
    if (auto s = write_predictions(m.predictions, run->predictions, matrix); !s) return std::unexpected(s.error());

    const auto walk_forward_started = std::chrono::steady_clock::now();
    const auto& wf_models = result.walk_forward_models;
    if (!folds.empty() && std::find(wf_models.begin(), wf_models.end(), name) != wf_models.end()) {
      if (const auto split = walk_forward_beside_threads(config, name); split.walk_forward > 0) {
        log(fmt::format("model {}: walk-forward over {} folds on {} thread{} beside the next models (they get {})",
                        name, folds.size(), split.walk_forward, split.walk_forward == 1 ? "" : "s", split.others));
        threads = split.others;
        auto wf_options = run_options;
        wf_options.fit.threads = split.walk_forward;
        wf_options.fit.show_progress = false;
        wf_options.fit.fitted_models = nullptr;  // nothing shared with the foreground's fits
        wf_options.cancelled = &cancel_beside;
        beside.push_back({.model = result.models.size(), .started = std::chrono::steady_clock::now(),
                          .run = std::async(std::launch::async, [maker, &data, &folds, wf_options] {
                            return evaluation::run_model(maker, data, folds, wf_options);
                          })});
      } else {
        log(fmt::format("model {}: walk-forward over {} folds", name, folds.size()));
        auto wf = evaluation::run_model(maker, data, folds, run_options);
        if (!wf) return std::unexpected(wf.error());
        if (auto s = keep_walk_forward(m, *wf); !s) return std::unexpected(s.error());
      }
    }

    const double walk_forward_seconds = core::seconds_since(walk_forward_started);
    // Backtest of the test segment's predictions.
    const auto test_start = matrix.dates[fixed->test.begin];
    const auto test_end = matrix.dates[fixed->test.end - 1];
    const auto bt_config = backtest_config(config, name, db, m.predictions, exclude, test_start, test_end, news_file);
    m.backtest_dir = out / "backtests" / name;
    auto bt = backtest::run_backtest(bt_config, *panel);
    if (!bt) {
      m.backtest_error = bt.error().message;
      result.flags.push_back(fmt::format("{}: the backtest failed: {}", name, m.backtest_error));
    } else {
      for (const auto& flag : bt->record.flags) result.flags.push_back(fmt::format("{} backtest: {}", name, flag));
      auto stats = analysis::compute_performance_stats(bt->record);
      if (!stats) return std::unexpected(stats.error());
      if (auto files = analysis::write_backtest_report(bt->record, *stats, m.backtest_dir); !files) {
        return std::unexpected(files.error());
      }
      m.trades = bt->record.trades.size();
      for (const auto& order : bt->record.orders) {
        m.traded_value += std::fabs(order.filled_quantity * order.average_fill_price);
        m.commissions += order.commission;
      }
      m.backtest = std::move(*stats);
      const auto& points = bt->record.equity;
      for (const auto& p : points) {
        m.equity_dates.push_back(p.date);
        m.equity.push_back(p.equity);
        m.benchmark_equity.push_back(points.front().benchmark > 0 ? points.front().equity * p.benchmark / points.front().benchmark
                                                                  : std::numeric_limits<double>::quiet_NaN());
      }
    }
    // In the registry once it is fully evaluated (`kestrel models list --db OUT/market.db`).
    auto registered = register_model(db, m, manifest);
    if (!registered) return std::unexpected(registered.error());
    // Where a long run's time goes, model by model.
    log(fmt::format("model {}: {:.0f} s (fit and test predictions {:.0f}, importance and attention {:.0f}, "
                    "walk-forward {:.0f})",
                    name, core::seconds_since(fit_started), m.train_seconds, explain_seconds, walk_forward_seconds));
    log(fmt::format("model {}: test accuracy {:.4f}, AUC {:.4f}, rank IC {:.4f}{}", name,
                    m.fixed.overall.classification.accuracy, m.fixed.overall.classification.auc,
                    m.fixed.overall.ic.rank_ic,
                    m.backtest ? fmt::format(", backtest CAGR {:.2f}% vs {} {:.2f}%", 100 * m.backtest->strategy.annual_return,
                                             config.benchmark, 100 * m.backtest->benchmark.annual_return)
                               : ", backtest failed: " + m.backtest_error));
    result.models.push_back(std::move(m));
    core::release_free_memory();
    // A partial report after every model, so an interrupted long run still shows what it has.
    result.seconds = core::seconds_since(started);
    if (auto written = write_comparison_report(result, out); !written) return std::unexpected(written.error());
  }

  for (auto& b : beside) {
    auto wf = b.run.get();
    ModelResult& m = result.models[b.model];
    if (!wf) return core::fail("{}: walk-forward: {}", m.name, wf.error().message);
    if (auto s = keep_walk_forward(m, *wf); !s) return std::unexpected(s.error());
    log(fmt::format("model {}: walk-forward (beside the next models) {:.0f} s", m.name, core::seconds_since(b.started)));
  }
  if (!beside.empty()) {
    result.seconds = core::seconds_since(started);
    if (auto written = write_comparison_report(result, out); !written) return std::unexpected(written.error());
  }

  {
    const ml::PredictionMemoStats memo = ml::prediction_memo_stats();
    log(fmt::format("predictions: {} scorings taken from earlier in the run, {} made (ml/prediction_memo.hpp)",
                    memo.hits - memo_before.hits, memo.misses - memo_before.misses));
  }

  // The RL agents on the models' out-of-sample predictions.
  if (config.rl.enabled) {
    core::release_free_memory();
    const bool wf_scores = config.rl.walk_forward_scores;
    log(fmt::format("rl: PPO sizing, DQN timing and both together, walk-forward on the {}",
                    wf_scores ? "walk-forward's scored folds" : "test segment"));
    const auto scores = wf_scores ? walk_forward_predictions(out) : out / "predictions";
    auto agents = run_rl_stage(config, *panel, matrix, scores, exclude, [&](const std::string& line) { log("  " + line); });
    if (!agents) {
      result.flags.push_back(fmt::format("rl: the agents' evaluation failed: {}", agents.error().message));
    } else {
      for (const auto& warning : rl::never_invested(agents->report)) result.flags.push_back("rl: " + warning);
      result.agents = std::move(agents->report);
      result.agents_observe = std::move(agents->observed);
    }
    if (auto written = write_comparison_report(result, out); !written) return std::unexpected(written.error());
  }
  result.seconds = core::seconds_since(started);
  return result;
}

}  // namespace kestrel::pipeline
