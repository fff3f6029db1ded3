// `kestrel tune`: hyper-parameter search over a pipeline config, every trial a walk-forward
// evaluation before the held-out test segment, the best judged by its deflated Sharpe ratio
// against all of them (src/pipeline/tune.hpp).
#include <cmath>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "pipeline/tune.hpp"
#include "pipeline/tune_config.hpp"

namespace kestrel::app {
namespace {

struct TuneArgs {
  std::string config, out;
  std::size_t jobs = 1;
  bool slurm = false;
  std::vector<std::string> sbatch_args;
  std::string task;  // a Slurm array task: the rung's task file
};

// One array task of `kestrel tune --slurm`: its index comes from Slurm.
void run_task(const pipeline::TuneConfig& config, const std::filesystem::path& out, const std::string& task) {
  const char* index = std::getenv("SLURM_ARRAY_TASK_ID");
  if (index == nullptr || *index == '\0') throw CommandFailed{"tune --task: SLURM_ARRAY_TASK_ID is not set (run by sbatch)"};
  char* end = nullptr;
  const auto i = std::strtoul(index, &end, 10);
  if (*end != '\0') throw CommandFailed{fmt::format("tune --task: SLURM_ARRAY_TASK_ID '{}' is not a number", index)};
  check(pipeline::run_tune_task(config, out, task, i));
}

void run_tune(const GlobalOptions& global, const TuneArgs& args) {
  const auto config = value_or_fail(pipeline::read_tune_config(args.config));
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path("out") / config.name : std::filesystem::path(args.out);
  if (!args.task.empty()) {
    run_task(config, out, args.task);
    return;
  }
  pipeline::TuneOptions options{.jobs = args.jobs,
                                .slurm = args.slurm,
                                .sbatch_args = args.sbatch_args,
                                .config_path = args.config,
                                .executable = std::filesystem::read_symlink("/proc/self/exe"),
                                .show_progress = !global.quiet,
                                .log = {}};
  options.log = [quiet = global.quiet](const std::string& line) {
    if (quiet) return;
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  const auto r = value_or_fail(pipeline::tune(config, out, options));
  if (!r.best) {
    throw CommandFailed{fmt::format("tune {}: no trial produced a Sharpe ratio; see {}", config.name, r.report.string())};
  }
  const auto& best = *std::find_if(r.records.begin(), r.records.end(), [](const auto& x) { return x.status == "best"; });
  fmt::print("best: trial {} of {}, Sharpe {:.2f} net over {} folds (every stock at equal weight: {:.2f}), {}\n", *r.best,
             config.trials, best.evaluation.sharpe, best.evaluation.folds, best.evaluation.equal_weight_sharpe,
             best.params.dump());
  if (r.deflated) {
    fmt::print("deflated Sharpe ratio {:.3f} against {} trials{}\n", r.deflated->deflated_sharpe, config.trials,
               r.deflated->deflated_sharpe >= 0.95 ? "" : ": not distinguishable from the best of that many luck-only trials");
  }
  if (r.holdout) {
    fmt::print("held-out test segment, once: Sharpe {:.2f} net (every stock at equal weight: {:.2f})\n", r.holdout->sharpe,
               r.holdout->equal_weight_sharpe);
  }
  fmt::print("report: {}; every evaluation in {} (table tuning_trials, study {})\n", r.report.string(),
             (out / "market.db").string(), r.study);
}

}  // namespace

void add_tune_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<TuneArgs>();
  CLI::App* cmd = app.add_subcommand(
      "tune",
      "Hyper-parameter search (random or successive halving) over a pipeline config's model and backtest keys, "
      "declared in a tuning config: every trial a walk-forward evaluation that never sees the test segment, every "
      "evaluation in the store, the best trial's deflated Sharpe ratio against all trials and PBO, then the best "
      "evaluated once on the test segment (docs/pipeline.md, \"Tuning\")");
  cmd->add_option("--config", args->config, "The tuning configuration (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Output folder: its market.db holds the data and the trials (default: out/<name>)");
  cmd->add_option("--jobs", args->jobs, "Trials evaluated at once (each gets the cores divided by this)")
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--slurm", args->slurm,
                "Run the trials on a Slurm cluster: each rung one sbatch array job (one trial per task, each task this "
                "kestrel on the shared file system holding OUT), submitted with --wait and collected");
  cmd->add_option("--sbatch-arg", args->sbatch_args,
                  "Passed to sbatch as is, e.g. --sbatch-arg=--partition=research --sbatch-arg=--time=02:00:00")
      ->allow_extra_args(false);
  cmd->add_option("--task", args->task, "Internal: run one array task of a --slurm rung")->group("");
  cmd->callback([&global, args] { run_tune(global, *args); });
}

}  // namespace kestrel::app
