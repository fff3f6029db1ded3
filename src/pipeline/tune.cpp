#include "pipeline/tune.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/atomic_file.hpp"
#include "core/elapsed.hpp"
#include "core/iso_time.hpp"
#include "core/paths.hpp"
#include "core/subprocess.hpp"
#include "dataset/splits.hpp"
#include "evaluation/scored_samples.hpp"
#include "features/feature_pipeline.hpp"
#include "pipeline/model_steps.hpp"
#include "store/market_store.hpp"
#include "store/snapshot.hpp"
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

}  // namespace

ObjectivePortfolio objective_portfolio(const std::vector<evaluation::ScoredSample>& samples, std::size_t horizon,
                            const BacktestSettings& shape, double cost_bps) {
  std::map<std::uint32_t, std::vector<const evaluation::ScoredSample*>> by_date;
  for (const auto& s : samples) {
    if (std::isfinite(s.forward_return)) by_date[s.t].push_back(&s);
  }
  const std::size_t k = shape.top_k;
  const double w = 1.0 / static_cast<double>(k);
  ObjectivePortfolio p;
  std::map<std::uint32_t, double> held;
  std::size_t index = 0, periods = 0;
  double turnover = 0;
  for (auto& [t, day] : by_date) {
    if (index++ % horizon != 0) continue;  // non-overlapping holding periods
    const bool decide = held.empty() || periods % std::max<std::size_t>(1, shape.rebalance_every) == 0;
    ++periods;
    double traded = 0;
    if (decide && day.size() >= (shape.long_short ? 2 : 1) * k) {
      std::sort(day.begin(), day.end(), [](const auto* a, const auto* b) {
        return a->score != b->score ? a->score > b->score : a->ticker < b->ticker;
      });
      // One side: names in rank order (best first for longs); keep held ones within the band.
      auto pick = [&](auto first, auto last, double sign) {
        std::vector<std::uint32_t> chosen;
        std::size_t rank = 0;
        for (auto it = first; it != last && rank < k + shape.hold_band; ++it, ++rank) {
          const auto h = held.find((*it)->ticker);
          if (h != held.end() && h->second * sign > 0) chosen.push_back((*it)->ticker);
        }
        for (auto it = first; it != last && chosen.size() < k; ++it) {
          if (std::find(chosen.begin(), chosen.end(), (*it)->ticker) == chosen.end()) chosen.push_back((*it)->ticker);
        }
        chosen.resize(std::min(chosen.size(), k));
        return chosen;
      };
      std::map<std::uint32_t, double> weights;
      for (auto ticker : pick(day.begin(), day.end(), 1.0)) weights[ticker] += w;
      if (shape.long_short) {
        for (auto ticker : pick(day.rbegin(), day.rend(), -1.0)) weights[ticker] -= w;
      }
      for (const auto& [ticker, weight] : weights) traded += std::abs(weight - (held.contains(ticker) ? held[ticker] : 0.0));
      for (const auto& [ticker, weight] : held) {
        if (!weights.contains(ticker)) traded += std::abs(weight);
      }
      held = std::move(weights);
    }
    if (held.empty()) continue;  // not enough names yet: nothing held, no period
    double all = 0;
    for (const auto* s : day) all += s->forward_return;
    p.equal_weight.push_back(all / static_cast<double>(day.size()));
    double gross = 0;
    for (const auto* s : day) {
      if (const auto it = held.find(s->ticker); it != held.end()) gross += it->second * s->forward_return;
    }
    p.returns.push_back(gross - traded * cost_bps * 1e-4);
    turnover += traded;
  }
  p.turnover = p.returns.empty() ? kNaN : turnover / static_cast<double>(p.returns.size());
  return p;
}

namespace {

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

RungEvaluator local_rungs(TrialEvaluator evaluate, std::size_t jobs) {
  return [evaluate = std::move(evaluate), jobs](std::size_t, const std::vector<std::size_t>& trials, std::size_t folds) {
    std::vector<TrialEvaluation> out(trials.size());
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i = next++; i < trials.size(); i = next++) out[i] = evaluate(trials[i], folds);
    };
    std::vector<std::thread> pool;
    for (std::size_t j = 1; j < std::min(jobs, trials.size()); ++j) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    return out;
  };
}

std::vector<TrialRecord> run_search(const TuneConfig& config, const std::vector<nlohmann::json>& trials,
                                    std::size_t folds, const RungEvaluator& evaluate) {
  const auto budgets = rung_budgets(config.search, folds, trials.size(), config.eta);
  std::vector<std::size_t> alive(trials.size());
  for (std::size_t k = 0; k < alive.size(); ++k) alive[k] = k;
  std::vector<TrialRecord> all;
  for (std::size_t rung = 0; rung < budgets.size(); ++rung) {
    auto evaluations = evaluate(rung, alive, budgets[rung]);
    std::vector<TrialRecord> records;
    for (std::size_t i = 0; i < alive.size(); ++i) {
      TrialEvaluation e = i < evaluations.size() ? std::move(evaluations[i]) : TrialEvaluation{};
      if (i >= evaluations.size()) {
        e.error = "no evaluation came back";
        e.sharpe = e.rank_ic = e.mean_return = e.turnover = kNaN;
      }
      records.push_back({.trial = alive[i], .rung = rung, .params = trials[alive[i]], .evaluation = std::move(e),
                         .status = "pruned"});
    }
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

namespace {

// What every trial shares: the configs, the data, features, labels and folds.
struct TuneData {
  PipelineConfig base;
  std::vector<nlohmann::json> trials;
  std::vector<PipelineConfig> trial_configs;
  std::unique_ptr<store::Panel> panel;
  features::FeatureMatrix matrix;
  std::optional<PipelineLabels> labels;
  dataset::Fold fixed;
  std::vector<dataset::Fold> folds;
};

// `import`: bring OUT's store up to date with the data folder (the coordinator); the Slurm
// tasks only read what it imported.
core::Result<std::unique_ptr<TuneData>> prepare(const TuneConfig& config, const std::filesystem::path& out, bool import,
                                                bool progress, const std::function<void(const std::string&)>& log) {
  auto d = std::make_unique<TuneData>();
  auto base_text = store::read_text_file(config.pipeline);
  if (!base_text) return std::unexpected(base_text.error());
  auto base = parse_pipeline_config(*base_text, config.pipeline.string(), config.pipeline.parent_path());
  if (!base) return std::unexpected(base.error());
  d->base = std::move(*base);
  if (std::find(d->base.models.begin(), d->base.models.end(), config.model) == d->base.models.end()) {
    return core::fail_as(core::ErrorKind::Config, "tune: model '{}' is not one of {}'s models", config.model,
                         config.pipeline.string());
  }
  d->trials = sample_trials(config);
  // Every trial's config must parse before hours of training.
  for (std::size_t k = 0; k < d->trials.size(); ++k) {
    const std::string source = fmt::format("{} with trial {} of {}", config.pipeline.string(), k, config.name);
    auto text = with_params(*base_text, source, d->trials[k]);
    if (!text) return std::unexpected(text.error());
    auto parsed = parse_pipeline_config(*text, source, config.pipeline.parent_path());
    if (!parsed) {
      return core::fail_as(core::ErrorKind::Config, "tune: trial {} ({}): {}", k, d->trials[k].dump(), parsed.error().message);
    }
    d->trial_configs.push_back(std::move(*parsed));
  }
  const auto db = out / "market.db";
  core::Result<store::Panel> panel = core::fail("unreachable");
  if (import) {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) return core::fail_as(core::ErrorKind::Io, "tune: cannot create {}: {}", out.string(), ec.message());
    log(fmt::format("tune {}: importing {}", config.name, d->base.data_dirs_text()));
    panel = import_data(d->base, out, progress);
  } else {
    panel = store::open_research_panel(db, core::default_snapshot_path(db));
  }
  if (!panel) return std::unexpected(panel.error());
  d->panel = std::make_unique<store::Panel>(std::move(*panel));
  d->matrix = features::compute_features(*d->panel, {.benchmark = d->base.benchmark, .show_progress = progress});
  auto labels = make_pipeline_labels(d->base, *d->panel);
  if (!labels) return std::unexpected(labels.error());
  d->labels.emplace(std::move(*labels));
  const auto& b = d->base;
  auto fixed = fixed_fold(b, d->matrix.dates);
  if (!fixed) return std::unexpected(fixed.error());
  d->fixed = *fixed;
  // Tuning folds: the walk-forward's, ending where no label reaches into the test segment.
  const auto& w = b.walk_forward;
  const std::size_t reach = b.label.horizon + w.embargo;
  if (fixed->test.begin <= reach) return core::fail("tune: no sessions before the fixed test segment to tune on");
  std::size_t first = 0;
  if (w.first_date) {
    first = static_cast<std::size_t>(std::lower_bound(d->matrix.dates.begin(), d->matrix.dates.end(), *w.first_date) -
                                     d->matrix.dates.begin());
  }
  auto folds = dataset::walk_forward(d->matrix.num_dates(), b.label.horizon,
                                     {.window = w.window, .train_dates = w.train_dates, .valid_dates = w.valid_dates,
                                      .test_dates = w.test_dates, .step_dates = 0, .first_date = first,
                                      .end_date = fixed->test.begin - reach, .embargo = w.embargo});
  if (!folds) return core::fail("tune: the walk-forward folds before the test segment: {}", folds.error().message);
  d->folds = std::move(*folds);
  return d;
}

TrialEvaluation evaluate_trial(const TuneData& d, const TuneConfig& config, std::size_t k,
                               std::span<const dataset::Fold> on, int threads) {
  const PipelineConfig& trial = d.trial_configs[k];
  TrialEvaluation e;
  e.folds = on.size();
  const auto started = std::chrono::steady_clock::now();
  auto run_opts = run_options(trial, config.model, false);
  run_opts.fit.threads = threads;
  run_opts.fit.show_progress = false;
  const evaluation::EvaluationData data{.matrix = &d.matrix, .labels = &d.labels->labels,
                                        .forward_returns = &d.labels->forward_returns};
  auto run = evaluation::run_model(model_maker(trial, d.matrix, config.model), data, on, run_opts);
  if (!run) {
    e.error = run.error().message;
    e.sharpe = e.rank_ic = e.mean_return = e.turnover = e.equal_weight_sharpe = kNaN;
  } else {
    const auto portfolio = objective_portfolio(run->predictions, trial.label.horizon, trial.backtest, config.cost_bps);
    e.returns = portfolio.returns;
    e.turnover = portfolio.turnover;
    e.mean_return = mean_of(e.returns);
    const double annualise = std::sqrt(252.0 / static_cast<double>(trial.label.horizon));
    e.sharpe = period_sharpe(e.returns) * annualise;
    e.equal_weight_sharpe = period_sharpe(portfolio.equal_weight) * annualise;
    e.rank_ic = evaluation::metric_row("all", run->predictions).ic.rank_ic;
  }
  e.seconds = core::seconds_since(started);
  return e;
}

// A trial's evaluation as a Slurm task hands it back (NaN as null).
nlohmann::json evaluation_json(const TrialEvaluation& e) {
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json returns = nlohmann::json::array();
  for (double r : e.returns) returns.push_back(number(r));
  return {{"folds", e.folds}, {"sharpe", number(e.sharpe)}, {"rank_ic", number(e.rank_ic)},
          {"mean_return", number(e.mean_return)}, {"turnover", number(e.turnover)}, {"returns", returns},
          {"equal_weight_sharpe", number(e.equal_weight_sharpe)},
          {"seconds", e.seconds}, {"error", e.error}};
}

TrialEvaluation evaluation_from_json(const nlohmann::json& j) {
  auto number = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : kNaN; };
  TrialEvaluation e;
  e.folds = j.at("folds").get<std::size_t>();
  e.sharpe = number(j.at("sharpe"));
  e.rank_ic = number(j.at("rank_ic"));
  e.mean_return = number(j.at("mean_return"));
  e.turnover = number(j.at("turnover"));
  e.equal_weight_sharpe = number(j.at("equal_weight_sharpe"));
  for (const auto& r : j.at("returns")) e.returns.push_back(number(r));
  e.seconds = j.at("seconds").get<double>();
  e.error = j.at("error").get<std::string>();
  return e;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// One rung as a Slurm array job: OUT/tune/<name>/slurm/rung-<r>/ holds the task file (the
// trials and the budget), the job script, each task's log and each trial's evaluation.
core::Result<std::vector<TrialEvaluation>> slurm_rung(const TuneConfig& config, const std::filesystem::path& out,
                                                       const TuneOptions& options, std::size_t rung,
                                                       const std::vector<std::size_t>& trials, std::size_t folds) {
  std::error_code ec;
  const auto dir = std::filesystem::absolute(out / "tune" / config.name / "slurm" / fmt::format("rung-{}", rung), ec);
  std::filesystem::remove_all(dir, ec);  // an earlier run's results must not be read as this one's
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "tune: cannot create {}: {}", dir.string(), ec.message());
  const auto task_file = dir / "task.json";
  if (auto s = core::write_file_atomically(task_file, nlohmann::json{{"config_hash", config.hash}, {"rung", rung}, {"folds", folds},
                                                          {"trials", trials}}.dump(1));
      !s) {
    return std::unexpected(s.error());
  }
  const auto script = dir / "job.sh";
  if (auto s = core::write_file_atomically(
          script, fmt::format("#!/bin/sh\n# kestrel tune {} rung {}: one trial per array task.\nexec {} -q tune --config {} "
                              "--out {} --task {}\n",
                              config.name, rung, shell_quote(options.executable.string()),
                              shell_quote(std::filesystem::absolute(options.config_path, ec).string()),
                              shell_quote(std::filesystem::absolute(out, ec).string()), shell_quote(task_file.string())));
      !s) {
    return std::unexpected(s.error());
  }
  std::vector<std::string> argv = {"sbatch", "--parsable", "--wait", fmt::format("--array=0-{}", trials.size() - 1),
                                   fmt::format("--job-name=kestrel-tune-{}-{}", config.name, rung),
                                   "--output=" + (dir / "task-%a.log").string(), "--cpus-per-task=1"};
  argv.insert(argv.end(), options.sbatch_args.begin(), options.sbatch_args.end());
  argv.push_back(script.string());
  auto submitted = core::run_program(argv);
  if (!submitted) return std::unexpected(submitted.error());
  if (submitted->exit_code == 127) return core::fail("tune --slurm: sbatch is not installed or not on PATH");
  const std::string job = submitted->output.substr(0, submitted->output.find_first_of(";\n"));
  if (job.empty() || job.find_first_not_of("0123456789") != std::string::npos) {
    return core::fail("tune --slurm: sbatch did not submit the job (exit {}): {}", submitted->exit_code, submitted->output);
  }
  if (options.log) options.log(fmt::format("tune {}: rung {} ran as Slurm array job {} ({} tasks)", config.name, rung, job, trials.size()));
  // A task that failed or died still leaves its trial counted: as a failed evaluation.
  std::vector<TrialEvaluation> out_evaluations;
  for (std::size_t i = 0; i < trials.size(); ++i) {
    const auto result = dir / fmt::format("trial-{}.json", trials[i]);
    auto text = store::read_text_file(result);
    TrialEvaluation e;
    if (!text) {
      e.error = fmt::format("Slurm task {} of job {} wrote no result (see {})", i, job,
                            (dir / fmt::format("task-{}.log", i)).string());
      e.sharpe = e.rank_ic = e.mean_return = e.turnover = kNaN;
    } else {
      try {
        e = evaluation_from_json(nlohmann::json::parse(*text));
      } catch (const nlohmann::json::exception& ex) {
        return core::fail("tune --slurm: {}: {}", result.string(), ex.what());
      }
    }
    out_evaluations.push_back(std::move(e));
  }
  return out_evaluations;
}

}  // namespace

core::Status run_tune_task(const TuneConfig& config, const std::filesystem::path& out,
                           const std::filesystem::path& task_file, std::size_t index) {
  auto text = store::read_text_file(task_file);
  if (!text) return std::unexpected(text.error());
  nlohmann::json task;
  try {
    task = nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return core::fail("{}: {}", task_file.string(), e.what());
  }
  if (task.value("config_hash", "") != config.hash) {
    return core::fail("{}: written for another version of the tuning config (hash {}, this one {})", task_file.string(),
                      task.value("config_hash", ""), config.hash);
  }
  const auto trials = task.at("trials").get<std::vector<std::size_t>>();
  if (index >= trials.size()) return core::fail("{}: no task {} (the rung has {} trials)", task_file.string(), index, trials.size());
  auto data = prepare(config, out, false, false, [](const std::string&) {});
  if (!data) return std::unexpected(data.error());
  const std::size_t folds = task.at("folds").get<std::size_t>();
  if (folds > (*data)->folds.size()) return core::fail("{}: {} folds asked for, {} exist", task_file.string(), folds, (*data)->folds.size());
  // One core per task (sbatch --cpus-per-task=1): the cluster runs the trials side by side.
  const auto e = evaluate_trial(**data, config, trials[index], std::span((*data)->folds.data(), folds), 1);
  return core::write_file_atomically(task_file.parent_path() / fmt::format("trial-{}.json", trials[index]), evaluation_json(e).dump());
}

core::Result<TuneResult> tune(const TuneConfig& config, const std::filesystem::path& out, const TuneOptions& options) {
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  auto prepared = prepare(config, out, true, options.show_progress, log);
  if (!prepared) return std::unexpected(prepared.error());
  const TuneData& data = **prepared;
  const auto& trials = data.trials;
  const auto* base = &data.base;
  const auto* folds = &data.folds;

  TuneResult result;
  result.study = config.name + "/" + config.hash;
  result.folds = folds->size();
  for (const auto& f : *folds) result.fold_descriptions.push_back(dataset::describe(f, data.matrix.dates));
  log(fmt::format("tune {}: {} trials ({} search), {} folds before the test segment{}", config.name, trials.size(),
                  config.search == TuneConfig::Search::Halving ? "successive halving" : "random", folds->size(),
                  options.slurm ? ", on Slurm" : ""));

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = std::max(1, (base->threads > 0 ? base->threads : cores) / static_cast<int>(std::max<std::size_t>(1, options.jobs)));
  std::mutex print;
  auto report_trial = [&](std::size_t k, std::size_t budget, const TrialEvaluation& e) {
    std::lock_guard lock(print);
    log(fmt::format("  trial {} on {} fold(s): Sharpe {} net, rank IC {}{} ({:.1f} s) {}", k, budget, num(e.sharpe, 2),
                    num(e.rank_ic, 4), e.error.empty() ? "" : " FAILED: " + e.error, e.seconds, trials[k].dump()));
  };
  RungEvaluator evaluator;
  std::optional<core::Error> slurm_error;
  if (options.slurm) {
    evaluator = [&](std::size_t rung, const std::vector<std::size_t>& alive, std::size_t budget) -> std::vector<TrialEvaluation> {
      if (slurm_error) return {};
      auto evaluations = slurm_rung(config, out, options, rung, alive, budget);
      if (!evaluations) {
        slurm_error = evaluations.error();
        return {};
      }
      for (std::size_t i = 0; i < alive.size(); ++i) report_trial(alive[i], budget, (*evaluations)[i]);
      return std::move(*evaluations);
    };
  } else {
    evaluator = local_rungs(
        [&](std::size_t k, std::size_t budget) {
          auto e = evaluate_trial(data, config, k, std::span(folds->data(), budget), threads);
          report_trial(k, budget, e);
          return e;
        },
        options.jobs);
  }
  result.records = run_search(config, trials, folds->size(), evaluator);
  if (slurm_error) return std::unexpected(*slurm_error);

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
    result.holdout = evaluate_trial(data, config, best->trial, std::span(&data.fixed, 1), cores);
    result.holdout_window = dataset::describe(data.fixed, data.matrix.dates);
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
    md += fmt::format("- best: trial {} `{}`: Sharpe {} net over {} fold(s); every scored stock at equal weight over "
                      "the same periods, before costs: {}\n",
                      *result.best, trials[*result.best].dump(), num(best->evaluation.sharpe, 2), best->evaluation.folds,
                      num(best->evaluation.equal_weight_sharpe, 2));
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
      md += fmt::format("- once on the held-out test segment ({}): Sharpe {} net (equal weight of every stock: {}), rank "
                        "IC {}{}\n",
                        result.holdout_window, num(result.holdout->sharpe, 2),
                        num(result.holdout->equal_weight_sharpe, 2), num(result.holdout->rank_ic, 4),
                        result.holdout->error.empty() ? "" : " (failed: " + result.holdout->error + ")");
    }
  }
  md += "\nThe objective is a quick portfolio of the scores (equal weights, costs as a flat rate on turnover), not "
        "the event-driven backtest: use it to rank trials, then run the pipeline with the chosen parameters for the "
        "full backtest. A long-only portfolio's Sharpe ratio is mostly the market's: compare it with the equal-weight "
        "yardstick.\n";
  std::error_code ec;
  std::filesystem::create_directories(out / "tune", ec);
  result.report = out / "tune" / (config.name + ".md");
  if (auto s = core::write_file_atomically(result.report, md); !s) return std::unexpected(s.error());
  return result;
}

}  // namespace kestrel::pipeline
