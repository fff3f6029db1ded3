// `kestrel bench rl`: throughput of the vectorised trading environment (random actions, so the
// figure is the environment's alone) — on price observations, as bench/rl_env.py has them, and
// with the 105 feature rows the agents observe — and of training PPO and DQN on the latter. bench/rl_env.py is the
// same environment in Python/numpy; bench/rl_env_vs_numpy.sh runs both and prints the ratio.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "rl_costs.hpp"
#include "stock_universe.hpp"
#include "core/rng.hpp"
#include "rl/agent.hpp"
#include "rl/agent_observations.hpp"
#include "rl/price_observations.hpp"
#include "rl/trading_env.hpp"
#include "store/csv_folder.hpp"
#include "store/research_span.hpp"

namespace kestrel::app {
namespace {

struct RlBenchArgs {
  std::string data;
  std::size_t episodes = 16;
  std::size_t steps = 500;
  int repeat = 3;
  bool train = true;
};

using core::seconds_since;

// The configuration bench/rl_env.py mirrors: the plan's limits and trade rules (the defaults),
// and rl_costs.hpp's costs.
// Episodes start from 20 sessions before the first stock's first bar (the 20-day features'
// warm-up), not in the benchmark-only decades before it.
rl::TradingEnvConfig bench_config(rl::Control control, std::size_t episodes, const store::Panel& panel) {
  rl::TradingEnvConfig config;
  config.control = control;
  config.episodes = episodes;
  config.episode_days = 252;
  config.first_day = std::min(std::max<std::size_t>(20, store::research_start(panel, "SPY", "Benchmark", 20)),
                              panel.num_dates() - 2);
  config.last_day = panel.num_dates() - 1;
  set_rl_costs(config);
  return config;
}

struct Buffers {
  explicit Buffers(const rl::VectorEnv& env)
      : obs(env.num_envs() * env.observation_size()), final_obs(obs.size()), rewards(env.num_envs()),
        terminated(env.num_envs()), truncated(env.num_envs()) {}
  rl::StepBuffers view() { return {obs, rewards, terminated, truncated, final_obs}; }
  std::vector<float> obs, final_obs, rewards;
  std::vector<std::uint8_t> terminated, truncated;
};

void bench_env(const store::Panel& panel, const std::vector<std::size_t>& universe, const rl::ObservationFeatures& features,
               const rl::ScaledFeatureRows& rows, rl::Control control, const RlBenchArgs& args) {
  rl::TradingEnv env(panel, universe, features, bench_config(control, args.episodes, panel), rows);
  const std::size_t envs = env.num_envs();
  Buffers b(env);
  // Random actions drawn before the clock starts: the figure is the environment's work.
  std::vector<float> actions(args.steps * envs);
  core::Rng rng(7);
  for (float& a : actions) a = control == rl::Control::Sizing ? static_cast<float>(rng.uniform()) : static_cast<float>(rng.below(3));
  std::vector<double> times;
  std::size_t fills = 0;
  for (int r = 0; r < args.repeat; ++r) {
    env.reset(11, b.obs);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < args.steps; ++s) {
      env.step({actions.data() + s * envs, envs}, b.view());
    }
    times.push_back(seconds_since(start));
  }
  for (std::size_t e = 0; e < args.episodes; ++e) fills += env.episode(e).fills;
  const double best = *std::min_element(times.begin(), times.end());
  const double ticker_steps = static_cast<double>(envs * args.steps);
  fmt::print("env {}{}: {} rows ({} episodes x {} tickers), {} steps, observation {} floats: compute best {:.3f} s "
             "-> {:.2f} million ticker-steps/s ({} ticker-steps/s; {} fills in the episodes open at the end)\n",
             control == rl::Control::Sizing ? "sizing" : "timing",
             rows.rows != nullptr ? fmt::format(" with {} feature rows", rows.count()) : "", env.num_envs(), args.episodes, universe.size(), args.steps,
             env.observation_size(), best, ticker_steps / best / 1e6, static_cast<long long>(ticker_steps / best), fills);
}

// One deterministic path, for checking bench/rl_env.py against this environment: every ticker
// sized at half the position cap from the first episode day for 250 days.
void check_path(const store::Panel& panel, const std::vector<std::size_t>& universe, const rl::ObservationFeatures& features) {
  rl::TradingEnvConfig config = bench_config(rl::Control::Sizing, 1, panel);
  config.episode_days = 1'000'000;
  rl::TradingEnv env(panel, universe, features, config);
  Buffers b(env);
  const std::vector<float> actions(env.num_envs(), 0.5f);
  env.reset_at(config.first_day, b.obs);
  // The rows' rewards add up to the log return (no penalties here), which survives the
  // episode's restart when it ends (at the drawdown halt or the last date).
  double log_growth = 0;
  std::size_t days = 0;
  bool halted = false;
  while (days < 250 && !halted) {
    env.step(actions, b.view());
    for (float r : b.rewards) log_growth += r;
    ++days;
    halted = b.terminated[0] != 0;
    if (b.truncated[0]) break;
  }
  fmt::print("check: every ticker at half the position cap from day {}: {} days{}, equity {:.2f}\n", config.first_day,
             days, halted ? " (drawdown halt)" : "", config.initial_cash * std::exp(log_growth));
}

void bench_training(const store::Panel& panel, const std::vector<std::size_t>& universe,
                    const rl::ObservationFeatures& features, const rl::ScaledFeatureRows& rows, const std::string& kind) {
  const rl::Control control = kind == "ppo" ? rl::Control::Sizing : rl::Control::Timing;
  rl::TradingEnv env(panel, universe, features, bench_config(control, 1, panel), rows);
  rl::AgentSpec spec{.kind = kind, .observation_size = env.observation_size(), .action_space = env.action_space()};
  spec.ppo.n_steps = 32;  // 32 × rows samples a rollout; SB3's batch 64 and 10 epochs
  spec.ppo.seed = spec.dqn.seed = 1;
  auto agent = value_or_fail(rl::make_agent(spec));
  const std::int64_t total = kind == "ppo" ? 2 * 32 * static_cast<std::int64_t>(env.num_envs())
                                           : 400 * static_cast<std::int64_t>(env.num_envs());
  const auto start = std::chrono::steady_clock::now();
  agent->learn(env, total);
  const double s = seconds_since(start);
  fmt::print("training {}: {} env steps in {:.2f} s -> {:.0f} env steps/s (observation {} floats; {})\n", kind,
             agent->steps_done(), s, static_cast<double>(agent->steps_done()) / s, env.observation_size(),
             kind == "ppo" ? "2 rollouts of 32 steps x every ticker, batch 64, 10 epochs"
                           : "400 steps x every ticker, a gradient step (batch 32) every 4");
}

void run_rl_bench(const RlBenchArgs& args) {
  const store::Panel panel = value_or_fail(store::load_csv_panel(args.data));
  const std::vector<std::size_t> universe = stock_universe(panel);
  fmt::print("loaded {} tickers x {} dates; universe {} stocks\n", panel.num_tickers(), panel.num_dates(), universe.size());
  const auto features = rl::price_observations(panel, universe);
  check_path(panel, universe, features);
  bench_env(panel, universe, features, {}, rl::Control::Sizing, args);
  bench_env(panel, universe, features, {}, rl::Control::Timing, args);
  // The agents' observation: the same columns and every feature row, scaled on the first half
  // of the dates (the statistics do not change the work).
  const rl::FeatureRows feature_rows = rl::agent_feature_rows(panel, universe, "SPY");
  const rl::ScaledFeatureRows rows{.rows = &feature_rows,
                                   .scaling = rl::fit_scaling(feature_rows, 0, panel.num_dates() / 2)};
  bench_env(panel, universe, features, rows, rl::Control::Sizing, args);
  if (args.train) {
    bench_training(panel, universe, features, rows, "ppo");
    bench_training(panel, universe, features, rows, "dqn");
  }
}

}  // namespace

void add_rl_bench(CLI::App& bench, const GlobalOptions&) {
  auto args = std::make_shared<RlBenchArgs>();
  CLI::App* cmd = bench.add_subcommand("rl", "Trading environment throughput (ticker-steps/s) and PPO/DQN training speed");
  cmd->add_option("--data", args->data, "Folder of per-ticker CSV files (e.g. ../shared/data/us-daily)")->required();
  cmd->add_option("--episodes", args->episodes, "Episodes stepped together")->check(CLI::PositiveNumber);
  cmd->add_option("--steps", args->steps, "Vector steps per timed run")->check(CLI::PositiveNumber);
  cmd->add_option("--repeat", args->repeat, "Timed runs (the best is reported)")->check(CLI::PositiveNumber);
  cmd->add_flag("!--no-train", args->train, "Skip the training figures (which load LibTorch)");
  cmd->callback([args] { run_rl_bench(*args); });
}

}  // namespace kestrel::app
