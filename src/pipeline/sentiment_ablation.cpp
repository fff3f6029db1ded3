#include "pipeline/sentiment_ablation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <unordered_map>

#include <fmt/format.h>

#include "analysis/performance_stats.hpp"
#include "analysis/report.hpp"
#include "analysis/sample_moments.hpp"
#include "backtest/runner.hpp"
#include "core/atomic_file.hpp"
#include "core/paths.hpp"
#include "core/quantile.hpp"
#include "evaluation/metrics.hpp"
#include "pipeline/comparison_report.hpp"
#include "pipeline/model_steps.hpp"
#include "store/csv.hpp"
#include "store/snapshot.hpp"
#include "store/text_file.hpp"

namespace kestrel::pipeline {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kBootstrapDraws = 2000;

// A run's test predictions: "date ticker" -> score.
core::Result<std::unordered_map<std::string, float>> read_predictions(const std::filesystem::path& file) {
  auto text = store::read_text_file(file);
  if (!text) return std::unexpected(text.error());
  std::unordered_map<std::string, float> out;
  store::CsvLines lines(*text);
  std::string_view line;
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  bool header = true;
  while (lines.next(line)) {
    if (header) {
      header = false;
      continue;
    }
    if (!store::split_csv_line(line, fields, storage) || fields.size() != 3) {
      return core::fail("{}:{}: expected date,ticker,score", file.string(), lines.line_number());
    }
    const auto score = store::parse_double(fields[2]);
    if (!score) return core::fail("{}:{}: field score: '{}' is not a number", file.string(), lines.line_number(), fields[2]);
    out.emplace(fmt::format("{} {}", fields[0], fields[1]), static_cast<float>(*score));
  }
  return out;
}

// One test date's samples of both runs.
struct DateSamples {
  std::vector<float> labels, returns, without, with;
};

struct DailyFigures {
  double correct_without = 0, correct_with = 0, n = 0;
  double auc_without = kNaN, auc_with = kNaN;
  double ric_without = kNaN, ric_with = kNaN;
};

DailyFigures daily_figures(const DateSamples& d) {
  DailyFigures f;
  for (std::size_t i = 0; i < d.labels.size(); ++i) {
    f.correct_without += (d.without[i] > 0.5f) == (d.labels[i] > 0.5f);
    f.correct_with += (d.with[i] > 0.5f) == (d.labels[i] > 0.5f);
  }
  f.n = static_cast<double>(d.labels.size());
  const bool both_classes = std::any_of(d.labels.begin(), d.labels.end(), [](float l) { return l > 0.5f; }) &&
                            std::any_of(d.labels.begin(), d.labels.end(), [](float l) { return l < 0.5f; });
  if (both_classes) {
    f.auc_without = evaluation::roc_auc(d.labels, d.without);
    f.auc_with = evaluation::roc_auc(d.labels, d.with);
  }
  std::vector<double> r, a, b;
  for (std::size_t i = 0; i < d.returns.size(); ++i) {
    if (std::isnan(d.returns[i])) continue;
    r.push_back(d.returns[i]);
    a.push_back(d.without[i]);
    b.push_back(d.with[i]);
  }
  if (r.size() >= 5) {
    f.ric_without = evaluation::spearman(a, r);
    f.ric_with = evaluation::spearman(b, r);
  }
  return f;
}

// The four statistics of a set of dates (indices into `days`, repeats allowed).
struct Statistics {
  double accuracy_without, accuracy_with, auc_without, auc_with, ric_without, ric_with, icir_without, icir_with;
};

Statistics statistics(const std::vector<DailyFigures>& days, const std::vector<std::size_t>& pick) {
  double cw = 0, cs = 0, n = 0;
  std::vector<double> auc_w, auc_s, ric_w, ric_s;
  for (std::size_t i : pick) {
    const DailyFigures& d = days[i];
    cw += d.correct_without;
    cs += d.correct_with;
    n += d.n;
    if (!std::isnan(d.auc_without) && !std::isnan(d.auc_with)) {
      auc_w.push_back(d.auc_without);
      auc_s.push_back(d.auc_with);
    }
    if (!std::isnan(d.ric_without) && !std::isnan(d.ric_with)) {
      ric_w.push_back(d.ric_without);
      ric_s.push_back(d.ric_with);
    }
  }
  auto mean = [](const std::vector<double>& v) { return v.empty() ? kNaN : analysis::sample_moments(v).mean; };
  // The rank ICIR as the pipeline reports it: the daily mean over its standard deviation (ddof 1).
  auto icir = [](const std::vector<double>& v) {
    if (v.size() < 2) return kNaN;
    const auto m = analysis::sample_moments(v);
    return m.stdev > 0 ? m.mean / m.stdev : kNaN;
  };
  return {n > 0 ? cw / n : kNaN, n > 0 ? cs / n : kNaN, mean(auc_w), mean(auc_s),
          mean(ric_w),           mean(ric_s),           icir(ric_w), icir(ric_s)};
}

double percentile(std::vector<double> v, double q) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  if (v.empty()) return kNaN;
  return core::linear_quantile(std::span<double>(v), q);
}

std::vector<double> daily_returns(const std::vector<double>& equity) {
  std::vector<double> r;
  for (std::size_t i = 1; i < equity.size(); ++i) r.push_back(equity[i - 1] > 0 ? equity[i] / equity[i - 1] - 1 : kNaN);
  return r;
}

core::Result<AblationModel> compare_model(const ModelResult& without, const ModelResult& with, const PipelineResult& run,
                                          const dataset::Labels& labels, const dataset::Labels& returns, std::uint64_t seed) {
  auto a = read_predictions(without.predictions);
  if (!a) return std::unexpected(a.error());
  auto b = read_predictions(with.predictions);
  if (!b) return std::unexpected(b.error());
  AblationModel m;
  m.model = without.name;
  // Samples both runs scored and that have a label, by date.
  std::map<std::size_t, DateSamples> by_date;
  for (std::size_t t = 0; t < labels.num_dates(); ++t) {
    const std::string day = labels.dates[t].to_string();
    for (std::size_t k = 0; k < labels.num_tickers(); ++k) {
      const float label = labels.at(k, t);
      if (std::isnan(label)) continue;
      const std::string key = day + " " + labels.tickers[k];
      const auto sa = a->find(key);
      if (sa == a->end()) continue;
      const auto sb = b->find(key);
      if (sb == b->end()) continue;
      auto& d = by_date[t];
      d.labels.push_back(label);
      d.returns.push_back(returns.at(k, t));
      d.without.push_back(sa->second);
      d.with.push_back(sb->second);
      ++m.samples;
    }
  }
  if (by_date.size() < 2) return core::fail("model {}: fewer than 2 test dates scored by both runs", m.model);
  m.dates = by_date.size();
  std::vector<DailyFigures> days;
  for (const auto& [t, d] : by_date) days.push_back(daily_figures(d));
  std::vector<std::size_t> all(days.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const Statistics point = statistics(days, all);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> draw(0, days.size() - 1);
  std::vector<double> d_acc, d_auc, d_ric, d_icir;
  std::vector<std::size_t> pick(days.size());
  for (std::size_t r = 0; r < kBootstrapDraws; ++r) {
    for (auto& p : pick) p = draw(rng);
    const Statistics s = statistics(days, pick);
    d_acc.push_back(s.accuracy_with - s.accuracy_without);
    d_auc.push_back(s.auc_with - s.auc_without);
    d_ric.push_back(s.ric_with - s.ric_without);
    d_icir.push_back(s.icir_with - s.icir_without);
  }
  auto metric = [&](std::string name, double without_value, double with_value, const std::vector<double>& diffs) {
    return AblationMetric{.name = std::move(name), .without = without_value, .with = with_value,
                          .low = percentile(diffs, 0.025), .high = percentile(diffs, 0.975)};
  };
  m.metrics = {metric("accuracy", point.accuracy_without, point.accuracy_with, d_acc),
               metric("AUC (daily mean)", point.auc_without, point.auc_with, d_auc),
               metric("rank IC (daily mean)", point.ric_without, point.ric_with, d_ric),
               metric("rank ICIR", point.icir_without, point.icir_with, d_icir)};
  if (without.backtest && with.backtest) {
    m.cagr_without = without.backtest->strategy.annual_return;
    m.cagr_with = with.backtest->strategy.annual_return;
    m.sharpe_without = without.backtest->strategy.sharpe;
    m.sharpe_with = with.backtest->strategy.sharpe;
    m.max_dd_without = without.backtest->strategy.max_drawdown;
    m.max_dd_with = with.backtest->strategy.max_drawdown;
    const double capital = run.initial_cash;
    m.costs_without = (without.commissions + without.traded_value * run.slippage_bps * 1e-4) / capital;
    m.costs_with = (with.commissions + with.traded_value * run.slippage_bps * 1e-4) / capital;
    const auto ra = daily_returns(without.equity);
    const auto rb = daily_returns(with.equity);
    if (ra.size() == rb.size() && ra.size() >= 2) m.daily_returns = analysis::paired_difference(ra, rb);
  }
  return m;
}

std::string signed_number(double v, int digits) { return std::isnan(v) ? "—" : fmt::format("{:+.{}f}", v, digits); }
std::string number(double v, int digits) { return std::isnan(v) ? "—" : fmt::format("{:.{}f}", v, digits); }
std::string percent(double v) { return std::isnan(v) ? "—" : fmt::format("{:.2f}%", 100 * v); }

// The with-sentiment run's test predictions for `model`, backtested again over the same
// sessions with the config's event stop reading the run's news_sentiment.csv.
core::Result<EventStopComparison> event_stop_backtest(const PipelineConfig& config, const ModelResult& model,
                                                      const std::filesystem::path& run) {
  const auto db = run / "market.db";
  auto panel = store::open_research_panel(db, core::default_snapshot_path(db));
  if (!panel) return std::unexpected(panel.error());
  std::vector<std::string> exclude;
  for (std::size_t i = 0; i < panel->num_tickers(); ++i) {
    if (feature_input_only(config, *panel, i)) exclude.push_back(panel->tickers()[i]);
  }
  auto bt_config = backtest_config(config, model.name + "-event-stop", db, model.predictions, exclude,
                                   model.equity_dates.front(), model.equity_dates.back(), run / "news_sentiment.csv");
  auto bt = backtest::run_backtest(bt_config, *panel);
  if (!bt) return core::fail("model {}: the event-stop backtest failed: {}", model.name, bt.error().message);
  auto stats = analysis::compute_performance_stats(bt->record);
  if (!stats) return std::unexpected(stats.error());
  EventStopComparison c;
  c.level = *config.backtest.event_stop;
  c.report = run / "backtests" / (model.name + "-event-stop");
  if (auto files = analysis::write_backtest_report(bt->record, *stats, c.report); !files) return std::unexpected(files.error());
  c.cagr_without = model.backtest->strategy.annual_return;
  c.sharpe_without = model.backtest->strategy.sharpe;
  c.max_dd_without = model.backtest->strategy.max_drawdown;
  c.trades_without = model.trades;
  c.cagr_with = stats->strategy.annual_return;
  c.sharpe_with = stats->strategy.sharpe;
  c.max_dd_with = stats->strategy.max_drawdown;
  c.trades_with = bt->record.trades.size();
  std::vector<double> equity;
  for (const auto& p : bt->record.equity) equity.push_back(p.equity);
  const auto ra = daily_returns(model.equity);
  const auto rb = daily_returns(equity);
  if (ra.size() == rb.size() && ra.size() >= 2) c.daily_returns = analysis::paired_difference(ra, rb);
  return c;
}

}  // namespace

core::Result<AblationResult> run_sentiment_ablation(const PipelineConfig& config, const PipelineOptions& options) {
  if (!config.sentiment.enabled) {
    return core::fail_as(core::ErrorKind::Config, "the ablation needs [features.sentiment] in the config: it compares "
                                                  "the run without those features to the run with them");
  }
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  PipelineConfig price_only = config;
  price_only.sentiment = {};
  price_only.backtest.event_stop.reset();
  PipelineConfig with_features = config;
  with_features.backtest.event_stop.reset();  // the features alone; the stop is judged apart
  price_only.name = config.name + "-price-only";
  AblationResult result;
  log("ablation: the run without the sentiment features");
  auto without = run_pipeline(price_only, {.out = options.out / "price-only", .show_progress = options.show_progress, .log = options.log});
  if (!without) return std::unexpected(without.error());
  if (auto r = write_comparison_report(*without, options.out / "price-only"); !r) return std::unexpected(r.error());
  log("ablation: the run with them");
  auto with = run_pipeline(with_features, {.out = options.out / "with-sentiment", .show_progress = options.show_progress, .log = options.log});
  if (!with) return std::unexpected(with.error());
  if (auto r = write_comparison_report(*with, options.out / "with-sentiment"); !r) return std::unexpected(r.error());

  // The labels both runs were graded on, from the first run's store.
  const auto db = options.out / "price-only" / "market.db";
  auto panel = store::open_research_panel(db, core::default_snapshot_path(db));
  if (!panel) return std::unexpected(panel.error());
  auto labels = make_pipeline_labels(config, *panel);
  if (!labels) return std::unexpected(labels.error());
  for (const ModelResult& a : without->models) {
    const auto b = std::find_if(with->models.begin(), with->models.end(), [&](const ModelResult& m) { return m.name == a.name; });
    if (b == with->models.end()) continue;
    auto m = compare_model(a, *b, *with, labels->labels, labels->forward_returns, config.seed);
    if (!m) return std::unexpected(m.error());
    if (config.backtest.event_stop && b->backtest && !b->equity_dates.empty()) {
      log(fmt::format("ablation: {} backtested again with the event stop below {}", b->name, *config.backtest.event_stop));
      auto stopped = event_stop_backtest(config, *b, options.out / "with-sentiment");
      if (!stopped) return std::unexpected(stopped.error());
      m->event_stop = std::move(*stopped);
    }
    result.models.push_back(std::move(*m));
  }
  result.without = std::move(*without);
  result.with = std::move(*with);
  return result;
}

core::Result<std::filesystem::path> write_ablation_report(const AblationResult& result, const PipelineConfig& config,
                                                          const std::filesystem::path& out) {
  std::string md = fmt::format("# Ablation: price features only vs price + news sentiment ({})\n\n", config.name);
  md += fmt::format("- config hash {}, seed {}; both runs identical but for [features.sentiment]\n", result.with.config_hash,
                    config.seed);
  md += fmt::format("- {}\n", result.with.sentiment);
  md += fmt::format("- data {} .. {}, {} tickers; fixed split: {}\n", result.with.first_date.to_string(),
                    result.with.last_date.to_string(), result.with.tickers, result.with.fixed_fold);
  md += fmt::format("- backtests: {}, after costs ({} bps slippage and the per-share commission)\n", result.with.backtest_shape,
                    result.with.slippage_bps);
  md += "- intervals: 95%, bootstrap over test dates (2,000 draws); backtests: paired test on daily returns (Newey-West)\n\n";
  md += "| model | metric | price only | + sentiment | difference | 95% interval | |\n|---|---|---|---|---|---|---|\n";
  for (const auto& m : result.models) {
    for (const auto& x : m.metrics) {
      constexpr int digits = 4;
      md += fmt::format("| {} | {} | {} | {} | {} | [{}, {}] | {} |\n", m.model, x.name, number(x.without, digits),
                        number(x.with, digits), signed_number(x.difference(), digits), signed_number(x.low, digits),
                        signed_number(x.high, digits), x.resolved() ? "resolved" : "noise");
    }
    const auto& p = m.daily_returns;
    md += fmt::format("| {} | backtest CAGR | {} | {} | {} | [{}, {}] (annualised daily mean) | {} |\n", m.model,
                      percent(m.cagr_without), percent(m.cagr_with), percent(m.cagr_with - m.cagr_without),
                      percent(p.annual_low), percent(p.annual_high),
                      p.days >= 2 && (p.annual_low > 0 || p.annual_high < 0) ? "resolved" : "noise");
    md += fmt::format("| {} | Sharpe / max drawdown / costs | {} / {} / {} | {} / {} / {} | | | |\n", m.model,
                      number(m.sharpe_without, 2), percent(m.max_dd_without), percent(m.costs_without), number(m.sharpe_with, 2),
                      percent(m.max_dd_with), percent(m.costs_with));
  }
  bool any_stop = false;
  for (const auto& m : result.models) any_stop = any_stop || m.event_stop.has_value();
  if (any_stop) {
    md += fmt::format("\n## The event stop\n\nThe with-sentiment predictions backtested again, selling a held name at the "
                      "next open after a session whose news sentiment (news_mean) is below {}; the same sessions and "
                      "costs.\n\n", result.models.front().event_stop ? result.models.front().event_stop->level : 0.0);
    md += "| model | CAGR without / with | Sharpe without / with | max drawdown without / with | trades without / with | "
          "daily difference, annualised [95%] | |\n|---|---|---|---|---|---|---|\n";
    for (const auto& m : result.models) {
      if (!m.event_stop) continue;
      const auto& e = *m.event_stop;
      const auto& p = e.daily_returns;
      const bool resolved = p.days >= 2 && (p.annual_low > 0 || p.annual_high < 0);
      md += fmt::format("| {} | {} / {} | {} / {} | {} / {} | {} / {} | {} [{}, {}] | {} |\n", m.model, percent(e.cagr_without),
                        percent(e.cagr_with), number(e.sharpe_without, 2), number(e.sharpe_with, 2), percent(e.max_dd_without),
                        percent(e.max_dd_with), e.trades_without, e.trades_with, percent(p.annual_mean), percent(p.annual_low),
                        percent(p.annual_high),
                        e.trades_with == e.trades_without && e.cagr_with == e.cagr_without ? "the stop never fired"
                        : resolved                                                          ? "resolved"
                                                                                            : "noise");
    }
  }
  md += "\n## Verdict\n\n";
  for (const auto& m : result.models) {
    std::vector<std::string> resolved;
    for (const auto& x : m.metrics) {
      if (x.resolved()) resolved.push_back(fmt::format("{} {} ({})", x.name, x.difference() > 0 ? "better" : "worse",
                                                       signed_number(x.difference(), 4)));
    }
    md += fmt::format("- {}: {} test dates, {} samples. ", m.model, m.dates, m.samples);
    md += resolved.empty() ? "Every difference is within noise: on this sample the sentiment features cannot be told "
                             "apart from no sentiment features.\n"
                           : fmt::format("Outside noise: {}. One sample and one period: treat it as a lead to check on "
                                         "other data, not as an edge.\n", fmt::join(resolved, "; "));
  }
  const auto path = out / "ablation.md";
  if (auto s = core::write_file_atomically(path, md); !s) return std::unexpected(s.error());
  return path;
}

}  // namespace kestrel::pipeline
