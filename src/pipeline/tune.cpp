#include "pipeline/tune.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/iso_time.hpp"
#include "dataset/splits.hpp"
#include "evaluation/scored_samples.hpp"
#include "features/feature_pipeline.hpp"
#include "pipeline/model_steps.hpp"
#include "store/market_store.hpp"
#include "store/text_file.hpp"

namespace kestrel::pipeline {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Better first: a finite Sharpe above NaN and failures, ties by trial number.
bool better(const TrialRecord& a, const TrialRecord& b) {
  const double x = a.evaluation.sharpe, y = b.evaluation.sharpe;
  const bool fx = a.evaluation.error.empty() && std::isfinite(x), fy = b.evaluation.error.empty() && std::isfinite(y);
  if (fx != fy) return fx;
  if (fx && x != y) return x > y;
  return a.trial < b.trial;
}

// The pipeline config's text with the trial's values set at their dotted keys.
core::Result<std::string> with_params(const std::string& text, const std::string& source, const nlohmann::json& params) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return core::fail_as(core::ErrorKind::Config, "{}: {}", source, e.description());
  }
  for (const auto& [key, value] : params.items()) {
    toml::table* table = &root;
    std::string_view rest = key;
    for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
      const std::string part(rest.substr(0, dot));
      rest.remove_prefix(dot + 1);
      auto* node = table->get(part);
      if (node == nullptr) {
        table->insert(part, toml::table{});
        node = table->get(part);
      }
      table = node->as_table();
      if (table == nullptr) return core::fail_as(core::ErrorKind::Config, "tune: {}: '{}' is not a table in {}", key, part, source);
    }
    const std::string last(rest);
    if (value.is_boolean()) table->insert_or_assign(last, value.get<bool>());
    else if (value.is_number_integer()) table->insert_or_assign(last, value.get<std::int64_t>());
    else if (value.is_number()) table->insert_or_assign(last, value.get<double>());
    else table->insert_or_assign(last, value.get<std::string>());
  }
  std::ostringstream out;
  out << root;
  return out.str();
}

// The net returns of the portfolio the scores make (see tune.hpp), and its turnover.
struct Portfolio {
  std::vector<double> returns;
  double turnover = 0;
};
Portfolio portfolio_returns(const std::vector<evaluation::ScoredSample>& samples, std::size_t horizon, std::size_t top_k,
                            bool long_short, double cost_bps) {
  std::map<std::uint32_t, std::vector<const evaluation::ScoredSample*>> by_date;
  for (const auto& s : samples) {
    if (std::isfinite(s.forward_return)) by_date[s.t].push_back(&s);
  }
  Portfolio p;
  std::map<std::uint32_t, double> held;
  std::size_t k = 0, periods = 0;
  double turnover = 0;
  for (auto& [t, day] : by_date) {
    if (k++ % horizon != 0) continue;  // non-overlapping holding periods
    if (day.size() < (long_short ? 2 : 1) * top_k) continue;
    std::sort(day.begin(), day.end(), [](const auto* a, const auto* b) {
      return a->score != b->score ? a->score > b->score : a->ticker < b->ticker;
    });
    std::map<std::uint32_t, double> weights;
    for (std::size_t i = 0; i < top_k; ++i) weights[day[i]->ticker] += 1.0 / static_cast<double>(top_k);
    if (long_short) {
      for (std::size_t i = 0; i < top_k; ++i) weights[day[day.size() - 1 - i]->ticker] -= 1.0 / static_cast<double>(top_k);
    }
    double traded = 0;
    for (const auto& [ticker, w] : weights) traded += std::abs(w - (held.contains(ticker) ? held[ticker] : 0.0));
    for (const auto& [ticker, w] : held) {
      if (!weights.contains(ticker)) traded += std::abs(w);
    }
    double gross = 0;
    for (const auto* s : day) {
      if (const auto it = weights.find(s->ticker); it != weights.end()) gross += it->second * s->forward_return;
    }
    p.returns.push_back(gross - traded * cost_bps * 1e-4);
    turnover += traded;
    ++periods;
    held = std::move(weights);
  }
  p.turnover = periods > 0 ? turnover / static_cast<double>(periods) : kNaN;
  return p;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / static_cast<double>(v.size());
}

// Per-period Sharpe ratio (mean over standard deviation), NaN for fewer than two periods or none varying.
double period_sharpe(const std::vector<double>& r) {
  if (r.size() < 2) return kNaN;
  const double m = mean_of(r);
  double ss = 0;
  for (double x : r) ss += (x - m) * (x - m);
  const double sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
  return sd > 0 ? m / sd : kNaN;
}

std::string num(double x, int digits = 3) { return std::isfinite(x) ? fmt::format("{:.{}f}", x, digits) : "—"; }

}  // namespace

std::vector<std::size_t> rung_budgets(TuneConfig::Search search, std::size_t folds, std::size_t trials, std::size_t eta) {
  if (search == TuneConfig::Search::Random || folds <= 1) return {folds};
  std::size_t rungs = 1;  // trials, trials / eta, … down to one
  for (std::size_t alive = trials; alive > 1; alive = (alive + eta - 1) / eta) ++rungs;
  std::vector<std::size_t> budgets;
  for (std::size_t r = 0; r < rungs; ++r) {
    double b = static_cast<double>(folds);
    for (std::size_t k = r + 1; k < rungs; ++k) b /= static_cast<double>(eta);
    budgets.push_back(std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(b))));
  }
  budgets.erase(std::unique(budgets.begin(), budgets.end()), budgets.end());
  budgets.back() = folds;
  return budgets;
}

std::vector<TrialRecord> run_search(const TuneConfig& config, const std::vector<nlohmann::json>& trials,
                                    std::size_t folds, std::size_t jobs, const TrialEvaluator& evaluate) {
  const auto budgets = rung_budgets(config.search, folds, trials.size(), config.eta);
  std::vector<std::size_t> alive(trials.size());
  for (std::size_t k = 0; k < alive.size(); ++k) alive[k] = k;
  std::vector<TrialRecord> all;
  for (std::size_t rung = 0; rung < budgets.size(); ++rung) {
    std::vector<TrialRecord> records(alive.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < alive.size(); i = next++) {
        records[i] = {.trial = alive[i], .rung = rung, .params = trials[alive[i]],
                      .evaluation = evaluate(alive[i], budgets[rung]), .status = "pruned"};
      }
    };
    std::vector<std::thread> pool;
    for (std::size_t j = 1; j < std::min(jobs, alive.size()); ++j) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    std::vector<TrialRecord> ranked = records;
    std::sort(ranked.begin(), ranked.end(), better);
    const bool last = rung + 1 == budgets.size();
    const std::size_t keep = last ? ranked.size() : (ranked.size() + config.eta - 1) / config.eta;
    alive.clear();
    for (std::size_t i = 0; i < keep; ++i) alive.push_back(ranked[i].trial);
    std::sort(alive.begin(), alive.end());
    for (auto& r : records) {
      if (last) r.status = "completed";
      all.push_back(std::move(r));
    }
    if (last && !ranked.empty() && ranked.front().evaluation.error.empty() && std::isfinite(ranked.front().evaluation.sharpe)) {
      for (auto& r : all) {
        if (r.rung == rung && r.trial == ranked.front().trial) r.status = "best";
      }
    }
  }
  return all;
}

core::Result<TuneResult> tune(const TuneConfig& config, const std::filesystem::path& out, const TuneOptions& options) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  auto base_text = store::read_text_file(config.pipeline);
  if (!base_text) return std::unexpected(base_text.error());
  auto base = parse_pipeline_config(*base_text, config.pipeline.string(), config.pipeline.parent_path());
  if (!base) return std::unexpected(base.error());
  if (std::find(base->models.begin(), base->models.end(), config.model) == base->models.end()) {
    return core::fail_as(core::ErrorKind::Config, "tune: model '{}' is not one of {}'s models", config.model,
                         config.pipeline.string());
  }
  const auto trials = sample_trials(config);
  // Every trial's config must parse before hours of training.
  std::vector<PipelineConfig> trial_configs;
  for (std::size_t k = 0; k < trials.size(); ++k) {
    const std::string source = fmt::format("{} with trial {} of {}", config.pipeline.string(), k, config.name);
    auto text = with_params(*base_text, source, trials[k]);
    if (!text) return std::unexpected(text.error());
    auto parsed = parse_pipeline_config(*text, source, config.pipeline.parent_path());
    if (!parsed) return core::fail_as(core::ErrorKind::Config, "tune: trial {} ({}): {}", k, trials[k].dump(), parsed.error().message);
    trial_configs.push_back(std::move(*parsed));
  }

  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "tune: cannot create {}: {}", out.string(), ec.message());
  log(fmt::format("tune {}: importing {}", config.name, base->data_dir.string()));
  auto panel = import_data(*base, out, options.show_progress);
  if (!panel) return std::unexpected(panel.error());
  const features::FeatureMatrix matrix =
      features::compute_features(*panel, {.benchmark = base->benchmark, .show_progress = options.show_progress});
  auto labels = make_pipeline_labels(*base, *panel);
  if (!labels) return std::unexpected(labels.error());
  auto fixed = dataset::fixed_segments(matrix.dates, base->label.horizon, base->fixed.embargo,
                                       {.train_begin = base->fixed.train_begin,
                                        .train_end = base->fixed.train_end,
                                        .valid_begin = base->fixed.valid_begin,
                                        .valid_end = base->fixed.valid_end,
                                        .test_begin = base->fixed.test_begin,
                                        .test_end = base->fixed.test_end});
  if (!fixed) return std::unexpected(fixed.error());
  // Tuning folds: the walk-forward's, ending where no label reaches into the test segment.
  const auto& w = base->walk_forward;
  const std::size_t reach = base->label.horizon + w.embargo;
  if (fixed->test.begin <= reach) return core::fail("tune: no sessions before the fixed test segment to tune on");
  std::size_t first = 0;
  if (w.first_date) {
    first = static_cast<std::size_t>(std::lower_bound(matrix.dates.begin(), matrix.dates.end(), *w.first_date) - matrix.dates.begin());
  }
  auto folds = dataset::walk_forward(matrix.num_dates(), base->label.horizon,
                                     {.window = w.window, .train_dates = w.train_dates, .valid_dates = w.valid_dates,
                                      .test_dates = w.test_dates, .step_dates = 0, .first_date = first,
                                      .end_date = fixed->test.begin - reach, .embargo = w.embargo});
  if (!folds) return core::fail("tune: the walk-forward folds before the test segment: {}", folds.error().message);

  TuneResult result;
  result.study = config.name + "/" + config.hash;
  result.folds = folds->size();
  for (const auto& f : *folds) result.fold_descriptions.push_back(dataset::describe(f, matrix.dates));
  log(fmt::format("tune {}: {} trials ({} search), {} folds before the test segment", config.name, trials.size(),
                  config.search == TuneConfig::Search::Halving ? "successive halving" : "random", folds->size()));

  const evaluation::EvaluationData data{.matrix = &matrix, .labels = &labels->labels, .forward_returns = &labels->forward_returns};
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = std::max(1, (base->threads > 0 ? base->threads : cores) / static_cast<int>(std::max<std::size_t>(1, options.jobs)));
  auto evaluate_on = [&](const PipelineConfig& trial, std::span<const dataset::Fold> on) {
    TrialEvaluation e;
    e.folds = on.size();
    const auto started = std::chrono::steady_clock::now();
    auto run_opts = run_options(trial, config.model, false);
    run_opts.fit.threads = threads;
    run_opts.fit.show_progress = false;
    auto run = evaluation::run_model(model_maker(trial, matrix, config.model), data, on, run_opts);
    if (!run) {
      e.error = run.error().message;
      e.sharpe = e.rank_ic = e.mean_return = e.turnover = kNaN;
    } else {
      const auto portfolio = portfolio_returns(run->predictions, trial.label.horizon, trial.backtest.top_k,
                                               trial.backtest.long_short, config.cost_bps);
      e.returns = portfolio.returns;
      e.turnover = portfolio.turnover;
      e.mean_return = mean_of(e.returns);
      e.sharpe = period_sharpe(e.returns) * std::sqrt(252.0 / static_cast<double>(trial.label.horizon));
      e.rank_ic = evaluation::metric_row("all", run->predictions).ic.rank_ic;
    }
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return e;
  };
  std::mutex print;
  result.records = run_search(config, trials, folds->size(), options.jobs, [&](std::size_t k, std::size_t budget) {
    auto e = evaluate_on(trial_configs[k], std::span(folds->data(), budget));
    std::lock_guard lock(print);
    log(fmt::format("  trial {} on {} fold(s): Sharpe {} net, rank IC {}{} ({:.1f} s) {}", k, budget, num(e.sharpe, 2),
                    num(e.rank_ic, 4), e.error.empty() ? "" : " FAILED: " + e.error, e.seconds, trials[k].dump()));
    return e;
  });

  // The best, its deflated Sharpe against every trial, PBO over the trials on every fold.
  std::vector<double> trial_sharpes;  // per period, each trial's last evaluation
  std::map<std::size_t, const TrialRecord*> last;
  for (const auto& r : result.records) last[r.trial] = &r;
  const TrialRecord* best = nullptr;
  for (const auto& [k, r] : last) {
    const double s = period_sharpe(r->evaluation.returns);
    if (std::isfinite(s)) trial_sharpes.push_back(s);
    if (r->status == "best") best = r;
  }
  if (best != nullptr) {
    result.best = best->trial;
    if (trial_sharpes.size() >= 2) {
      auto dsr = analysis::deflated_sharpe_ratio(best->evaluation.returns, trial_sharpes);
      if (dsr) result.deflated = *dsr;
    }
    std::vector<std::vector<double>> full;
    for (const auto& [k, r] : last) {
      if (r->evaluation.folds == folds->size() && r->evaluation.error.empty() &&
          (full.empty() || r->evaluation.returns.size() == full.front().size())) {
        full.push_back(r->evaluation.returns);
      }
    }
    if (full.size() < 2) {
      result.pbo_note = fmt::format("{} trial(s) ran on every fold: PBO needs two or more", full.size());
    } else if (auto pbo = analysis::probability_of_backtest_overfitting(full, std::min<std::size_t>(16, full.front().size() / 4 * 2))) {
      result.pbo = *pbo;
      result.pbo_trials = full.size();
    } else {
      result.pbo_note = pbo.error().message;
    }
    // Once, after the search: the chosen trial on the held-out test segment.
    log(fmt::format("tune {}: trial {} evaluated once on the fixed test segment", config.name, best->trial));
    result.holdout = evaluate_on(trial_configs[best->trial], std::span(&*fixed, 1));
    result.holdout_window = dataset::describe(*fixed, matrix.dates);
  }

  // The store, in one transaction: every evaluation of this study.
  {
    auto market = store::MarketStore::open(out / "market.db", store::MarketStore::Access::ReadWrite);
    if (!market) return std::unexpected(market.error());
    std::vector<store::TuningTrial> rows;
    const std::string now = core::iso_time(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    for (const auto& r : result.records) {
      rows.push_back({.study = config.name, .config_hash = config.hash, .trial = static_cast<std::int64_t>(r.trial),
                      .rung = static_cast<std::int64_t>(r.rung), .folds = static_cast<std::int64_t>(r.evaluation.folds),
                      .params = r.params.dump(), .sharpe = r.evaluation.sharpe, .rank_ic = r.evaluation.rank_ic,
                      .turnover = r.evaluation.turnover, .seconds = r.evaluation.seconds, .status = r.status,
                      .error = r.evaluation.error, .created_at = now});
    }
    if (auto s = market->save_tuning_study(config.name, config.hash, rows); !s) return std::unexpected(s.error());
  }

  // The report.
  std::string md = fmt::format("# Tuning {}: {} on {}\n\n", config.name, config.model, config.pipeline.filename().string());
  md += fmt::format("- study {} (config hash): {} trials declared and run, {} search{}, objective the net Sharpe ratio of "
                    "the top-{} portfolio at {} bps a side\n",
                    result.study, trials.size(), config.search == TuneConfig::Search::Halving ? "successive-halving" : "random",
                    config.search == TuneConfig::Search::Halving ? fmt::format(" (eta {})", config.eta) : "",
                    base->backtest.top_k, num(config.cost_bps, 1));
  md += fmt::format("- {} walk-forward folds before the fixed test segment (never seen by a trial):\n", result.folds);
  for (const auto& f : result.fold_descriptions) md += fmt::format("  - {}\n", f);
  md += "\n| trial | rung | folds | status | Sharpe (net, annual) | rank IC | turnover | seconds | parameters |\n"
        "|---:|---:|---:|---|---:|---:|---:|---:|---|\n";
  std::vector<const TrialRecord*> ordered;
  for (const auto& r : result.records) ordered.push_back(&r);
  std::stable_sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) { return a->rung > b->rung; });
  for (const auto* r : ordered) {
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.1f} | `{}`{} |\n", r->trial, r->rung, r->evaluation.folds,
                      r->status, num(r->evaluation.sharpe, 2), num(r->evaluation.rank_ic, 4), num(r->evaluation.turnover, 2),
                      r->evaluation.seconds, r->params.dump(), r->evaluation.error.empty() ? "" : " failed: " + r->evaluation.error);
  }
  md += "\n## The best trial, honestly\n\n";
  if (!result.best) {
    md += "FLAGGED: no trial produced a Sharpe ratio (every one failed or never traded).\n";
  } else {
    md += fmt::format("- best: trial {} `{}`\n", *result.best, trials[*result.best].dump());
    if (result.deflated) {
      const auto& d = *result.deflated;
      md += fmt::format("- deflated Sharpe ratio {} against the best of {} trials by luck (expected maximum Sharpe {} a "
                        "period, the best's {}): {}\n",
                        num(d.deflated_sharpe, 3), trial_sharpes.size(), num(d.expected_max_sharpe, 4), num(d.sharpe, 4),
                        d.deflated_sharpe >= 0.95 ? "more than the selection explains"
                                                  : "not distinguishable from the best of that many luck-only trials");
    }
    md += result.pbo ? fmt::format("- probability of backtest overfitting {} over the {} trials that ran on every fold "
                                   "(CSCV; above 0.5 the in-sample winner is more often than not below the median out "
                                   "of sample)\n",
                                   num(result.pbo->pbo, 2), result.pbo_trials)
                     : fmt::format("- PBO: not computed ({})\n", result.pbo_note);
    if (result.holdout) {
      md += fmt::format("- once on the held-out test segment ({}): Sharpe {} net, rank IC {}{}\n", result.holdout_window,
                        num(result.holdout->sharpe, 2), num(result.holdout->rank_ic, 4),
                        result.holdout->error.empty() ? "" : " (failed: " + result.holdout->error + ")");
    }
  }
  md += "\nThe objective is a quick portfolio of the scores (equal weights, rebalanced every label horizon, costs "
        "as a flat rate on turnover), not the event-driven backtest: use it to rank trials, then run the pipeline "
        "with the chosen parameters for the full backtest.\n";
  std::filesystem::create_directories(out / "tune", ec);
  result.report = out / "tune" / (config.name + ".md");
  std::ofstream file(result.report, std::ios::binary);
  file << md;
  file.close();
  if (!file) return core::fail_as(core::ErrorKind::Io, "tune: cannot write {}", result.report.string());
  return result;
}

}  // namespace kestrel::pipeline
