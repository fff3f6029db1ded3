#pragma once
// `kestrel tune`: hyper-parameter search over a pipeline config (pipeline/tune_config.hpp),
// each trial a walk-forward evaluation that never sees the fixed split's test segment.
//
//   Tuning folds: the pipeline's walk-forward folds, ending `horizon + embargo` sessions before
//   the fixed test segment (no trial's labels reach into it).
//   Objective: the annualised Sharpe ratio, net of `cost_bps` on every traded dollar, of the
//   portfolio the trial's out-of-fold scores make — equal weights in the top `backtest.top_k`
//   (and short the bottom top_k when `backtest.long_short`), one period per label horizon,
//   rebalanced every `backtest.rebalance_every` periods with the `backtest.hold_band`.
//   Search: random (every trial on every fold), or successive halving (every trial on the
//   first folds, the best 1/eta go on to more folds, … the last rung on all of them).
//   Honesty: every declared trial counts. The best trial's deflated Sharpe ratio is computed
//   against the Sharpe ratios of all of them, PBO over the trials that ran on every fold, and the
//   best trial is then evaluated once on the held-out test segment.
//   Record: every evaluation in the store (OUT/market.db, table tuning_trials, one transaction
//   per study), and OUT/tune/<name>.md and .json.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/overfitting.hpp"
#include "core/error.hpp"
#include "evaluation/scored_samples.hpp"
#include "pipeline/pipeline_config.hpp"
#include "pipeline/tune_config.hpp"

namespace kestrel::pipeline {

struct TrialEvaluation {
  std::size_t folds = 0;
  double sharpe = 0;        // annualised, net of costs (NaN when the trial failed or never traded)
  double rank_ic = 0;       // mean daily rank IC of its scores
  double mean_return = 0;   // per rebalance, net
  double turnover = 0;      // per rebalance, of the portfolio's value
  std::vector<double> returns;  // net, per rebalance
  // The yardstick over the same periods: every scored stock at equal weight, no costs
  // (long-only strategies mostly earn the market; this says how much of it).
  double equal_weight_sharpe = 0;
  double seconds = 0;
  std::string error;        // a failed trial: why (it still counts)
};

struct TrialRecord {
  std::size_t trial = 0;
  std::size_t rung = 0;
  nlohmann::json params;
  TrialEvaluation evaluation;
  std::string status;  // "pruned" (went no further), "completed" (ran on every fold), "best"
};

// The objective's portfolio: the net returns per period of the portfolio `samples`' scores make,
// and its mean turnover per period. One period per label horizon (non-overlapping forward
// returns); new weights every `rebalance_every`-th period, held in between; a held name stays
// while it ranks within top_k + hold_band (the short side mirrored), new ones fill up to top_k;
// equal weights 1/top_k a side; `cost_bps` on every traded dollar.
struct ObjectivePortfolio {
  std::vector<double> returns;
  double turnover = 0;
  std::vector<double> equal_weight;  // per period: the mean forward return of every scored stock
};
ObjectivePortfolio objective_portfolio(const std::vector<evaluation::ScoredSample>& samples, std::size_t horizon,
                                       const BacktestSettings& shape, double cost_bps);

// Fold budgets of the rungs: random search one rung of `folds`; halving as many rungs as
// halving `trials` by `eta` allows, each eta times the folds of the one before, the last all.
std::vector<std::size_t> rung_budgets(TuneConfig::Search search, std::size_t folds, std::size_t trials, std::size_t eta);

// Evaluates the given trials of a rung on the first `folds` folds, one evaluation per trial in
// the same order: here on local threads (local_rungs), or as a Slurm array job.
using RungEvaluator =
    std::function<std::vector<TrialEvaluation>(std::size_t rung, const std::vector<std::size_t>& trials, std::size_t folds)>;
using TrialEvaluator = std::function<TrialEvaluation(std::size_t trial, std::size_t folds)>;
// `evaluate(trial, folds)` on `jobs` threads.
RungEvaluator local_rungs(TrialEvaluator evaluate, std::size_t jobs);

// Runs the search: each rung's trials evaluated, the best 1/eta (by Sharpe; failures and NaN
// last, ties by trial number) go on. Every evaluation is returned, rung by rung, the statuses set.
std::vector<TrialRecord> run_search(const TuneConfig& config, const std::vector<nlohmann::json>& trials,
                                    std::size_t folds, const RungEvaluator& evaluate);

struct TuneResult {
  std::string study;  // "<name>/<config hash>"
  std::size_t folds = 0;
  std::vector<std::string> fold_descriptions;
  std::vector<TrialRecord> records;
  std::optional<std::size_t> best;  // trial number
  std::optional<analysis::DeflatedSharpe> deflated;
  std::optional<analysis::OverfittingProbability> pbo;
  std::size_t pbo_trials = 0;       // the trials PBO is over (those that ran on every fold)
  std::string pbo_note;             // why there is no PBO
  std::optional<TrialEvaluation> holdout;  // the best trial on the fixed test segment, once
  std::string holdout_window;
  std::filesystem::path report;
};

// Where the trials run: this machine (`jobs` at once), or a Slurm cluster (`slurm`): each rung
// one array job, submitted with `sbatch --wait`, one task per trial, each task this kestrel
// executable (`kestrel tune --task`) on a file system every node shares with OUT.
struct TuneOptions {
  std::size_t jobs = 1;
  bool slurm = false;
  std::vector<std::string> sbatch_args;  // e.g. "--partition=research", "--time=02:00:00"
  std::filesystem::path config_path;     // the tuning config, for the tasks' command line
  std::filesystem::path executable;      // this kestrel, for the tasks' command line
  bool show_progress = false;
  std::function<void(const std::string&)> log;
};

core::Result<TuneResult> tune(const TuneConfig& config, const std::filesystem::path& out, const TuneOptions& options);

// One Slurm array task: evaluates the trial SLURM_ARRAY_TASK_ID of the rung file `task_file`
// (written by the coordinator) on the data the coordinator imported into OUT, and writes its
// evaluation next to that file.
core::Status run_tune_task(const TuneConfig& config, const std::filesystem::path& out,
                           const std::filesystem::path& task_file, std::size_t index);

}  // namespace kestrel::pipeline
