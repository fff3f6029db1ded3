// `kestrel rl evaluate`: the PPO sizing and DQN timing agents against simple rules, walk-forward
// and out of sample, through the same trading environment and costs (docs/rl.md).
#include <fstream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "rl_costs.hpp"
#include "stock_universe.hpp"
#include "core/progress.hpp"
#include "rl/agent_observations.hpp"
#include "rl/walk_forward.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::app {
namespace {

// The sample configuration: SB3's defaults but for a 256-step PPO rollout (2048 × 80 rows would
// be one rollout per 160k steps), 8 DQN gradient steps per update (SB3's one per 4 vector steps
// is one per 320 transitions with 80 rows), and a 0.5% no-trade band for every strategy alike.
struct RlEvaluateArgs {
  RlEvaluateArgs() {
    config.ppo.n_steps = 256;
    config.dqn.gradient_steps = 8;
    config.env.min_trade_fraction = 0.005;
  }
  std::string data;
  std::string out;
  std::vector<std::string> scores;
  bool feature_rows = true;
  rl::WalkForwardConfig config;
};

void run_rl_evaluate(const GlobalOptions& global, RlEvaluateArgs args) {
  const store::Panel panel = value_or_fail(store::load_csv_panel(args.data));
  const std::vector<std::size_t> universe = stock_universe(panel);
  const std::optional<std::size_t> spy = panel.ticker_index("SPY");
  if (!spy) throw CommandFailed{fmt::format("{}: no SPY.csv(.gz): buy-and-hold SPY is the first comparison", args.data)};
  if (universe.empty()) throw CommandFailed{fmt::format("{}: no stock files", args.data)};
  auto& env = args.config.env;
  set_rl_costs(env);
  const std::vector<std::filesystem::path> files(args.scores.begin(), args.scores.end());
  auto observed = value_or_fail(rl::agent_observations(panel, universe, *spy, files));
  rl::restrict_to_scores(observed, args.config);
  if (!files.empty() && !global.quiet) {
    fmt::print("model scores from {} file(s), {}..{}: every period lies inside them\n", files.size(),
               panel.dates()[observed.first_scored_day].to_string(), panel.dates()[observed.last_scored_day].to_string());
  }
  const auto& features = observed.features;
  std::optional<rl::FeatureRows> rows;
  if (args.feature_rows) {
    rows = rl::agent_feature_rows(panel, universe, "SPY");
    if (!global.quiet) {
      fmt::print("observing {} feature rows, scaled on each fold's training dates\n", rows->count);
    }
  }
  const bool quiet = global.quiet;
  std::unique_ptr<core::ProgressBar> bar;
  std::int64_t bar_total = -1, shown = 0;
  auto progress = [&](const rl::TrainingProgress& p) {
    if (p.total_steps != bar_total) {
      bar = std::make_unique<core::ProgressBar>("training", static_cast<std::size_t>(p.total_steps), !quiet);
      bar_total = p.total_steps;
      shown = 0;
    }
    bar->set_status(fmt::format("{} episodes, mean episode return {:+.4f}", p.episodes, p.mean_episode_return));
    bar->advance(static_cast<std::size_t>(p.steps - shown));
    shown = p.steps;
  };
  auto log = [&](const std::string& line) {
    bar.reset();
    bar_total = -1;
    if (!quiet) fmt::print("{}\n", line);
  };
  const auto report = value_or_fail(rl::walk_forward(panel, universe, *spy, features, rows ? &*rows : nullptr, args.config, log, progress));
  const std::string table = rl::to_markdown(report);
  fmt::print("\n{}", table);
  if (!args.out.empty()) {
    std::ofstream file(args.out);
    file << fmt::format("Walk-forward on {} ({} stocks), `kestrel rl evaluate` (docs/rl.md)\n\n", args.data, universe.size())
         << table;
    if (!file) throw CommandFailed{fmt::format("{}: cannot write", args.out)};
  }
}

}  // namespace

void add_rl_commands(CLI::App& app, const GlobalOptions& global) {
  CLI::App* rl = app.add_subcommand("rl", "Reinforcement-learning agents: PPO sizing and DQN timing");
  rl->require_subcommand(1);
  auto args = std::make_shared<RlEvaluateArgs>();
  CLI::App* cmd = rl->add_subcommand(
      "evaluate", "Walk-forward: train PPO and DQN before each test year, stop early on validation, and compare them out "
                  "of sample with buy-and-hold SPY, 1/N and top-k rules after the same costs");
  cmd->add_option("--data", args->data, "Folder of per-ticker CSV files with SPY (e.g. data/sample)")->required();
  cmd->add_option("--folds", args->config.folds, "Test periods, the last ones of the data")->check(CLI::PositiveNumber);
  cmd->add_option("--test-days", args->config.test_days, "Sessions per test period")->check(CLI::PositiveNumber);
  cmd->add_option("--valid-days", args->config.valid_days, "Validation sessions before each test period")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--ppo-steps", args->config.ppo_steps, "PPO training steps (rows x days) per fold; 0 skips PPO");
  cmd->add_option("--dqn-steps", args->config.dqn_steps, "DQN training steps per fold; 0 skips DQN");
  cmd->add_option("--ppo-n-steps", args->config.ppo.n_steps, "PPO rollout length per row (SB3: 2048)")->check(CLI::PositiveNumber);
  cmd->add_option("--dqn-gradient-steps", args->config.dqn.gradient_steps, "DQN gradient steps per update (SB3: 1)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--band", args->config.env.min_trade_fraction,
                  "No-trade band: skip resizing a held position by less than this fraction of equity");
  cmd->add_option("--checks", args->config.checks, "Validation checks per fold (early stopping)")->check(CLI::PositiveNumber);
  cmd->add_option("--episodes", args->config.train_episodes, "Training episodes stepped together")->check(CLI::PositiveNumber);
  cmd->add_option("--turnover-penalty", args->config.env.turnover_penalty, "Reward penalty per unit of traded value / equity");
  cmd->add_option("--drawdown-penalty", args->config.env.drawdown_penalty, "Reward penalty per unit of drawdown deepening");
  cmd->add_option("--seed", args->config.seed, "Seed of the agents (fold f uses seed + f)");
  cmd->add_option("--scores", args->scores,
                  "Out-of-sample model scores to observe (a pipeline's predictions/<model>.csv; repeatable); the "
                  "first ranks the top-k rules, and PPO + DQN also run as one system")
      ->check(CLI::ExistingFile);
  cmd->add_flag("!--no-feature-rows", args->feature_rows,
               "Observe prices, market regime and scores only, not the 105 features' rows");
  cmd->add_option("--out", args->out, "Also write the table (Markdown) to this file");
  cmd->callback([args, &global] { run_rl_evaluate(global, *args); });
}

}  // namespace kestrel::app
