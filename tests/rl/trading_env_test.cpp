// The trading environment against the backtest engine it stands in for, and its own promises:
// rewards that add up to the change in log equity, determinism, the drawdown halt.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "backtest/engine.hpp"
#include "core/rng.hpp"
#include "rl/trading_env.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::rl {
namespace {

const store::Panel& sample_panel() {
  static const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  return panel;
}

std::vector<std::size_t> stocks(const store::Panel& panel) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    const auto& t = panel.tickers()[i];
    if (t != "SPY" && t != "SPX") out.push_back(i);
  }
  return out;
}

ObservationFeatures no_features(const store::Panel& panel, std::size_t tickers) {
  return {1, std::vector<float>(panel.num_dates() * tickers, 0.5f)};
}

// Holds the same target weights every day: re-targeted daily, or (hold) bought when flat and
// then kept as they are until an exit of the kernel's closes them.
class FixedWeights final : public strategy::Strategy {
 public:
  explicit FixedWeights(std::vector<strategy::TargetWeight> targets) : targets_(std::move(targets)) {}
  std::string_view name() const override { return "fixed-weights"; }
  void on_bar(strategy::StrategyContext& context) override { context.set_target_weights(targets_); }

 private:
  std::vector<strategy::TargetWeight> targets_;
};

// Eight names of the sample, no more than three from one sector (3 × 8% stays under the 30% cap).
std::vector<std::size_t> eight_names(const store::Panel& panel, const std::vector<std::size_t>& universe) {
  std::vector<std::size_t> chosen;
  std::map<std::string, int> per_sector;
  for (std::size_t k = 0; k < universe.size() && chosen.size() < 8; ++k) {
    const std::string sector = panel.sectors().empty() ? "" : panel.sectors()[universe[k]];
    if (per_sector[sector] < 3) {
      ++per_sector[sector];
      chosen.push_back(k);
    }
  }
  return chosen;
}

struct ParityCase {
  trading::TradeRules rules;
  Control control = Control::Sizing;
  float action = 0;     // of the chosen names' rows, every day
  double weight = 0;    // the backtest strategy's target for them
  bool hold = false;    // the strategy's targets keep a held position as it is
  std::size_t first = 300, days = 500;
};

// Runs the backtest engine and the environment over the same days with the same decisions and
// expects the same equity every day, to the cent. Returns the backtest's record.
analysis::BacktestRecord expect_parity(const ParityCase& c) {
  const auto& panel = sample_panel();
  const auto universe = stocks(panel);
  const auto chosen = eight_names(panel, universe);
  EXPECT_EQ(chosen.size(), 8u);
  sim::SlippageModel slippage{.kind = sim::SlippageModel::Kind::FixedBps, .bps = 5};
  sim::CommissionModel commission{.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1};

  backtest::EngineConfig bt;
  bt.start = panel.dates()[c.first];
  bt.end = panel.dates()[c.first + c.days];
  for (std::size_t id : universe) bt.universe.push_back(static_cast<backtest::InstrumentId>(id));
  bt.broker.slippage = slippage;
  bt.broker.commission = commission;
  bt.rules = c.rules;
  std::vector<strategy::TargetWeight> targets;
  for (std::size_t k : chosen) {
    targets.push_back({.instrument = static_cast<strategy::InstrumentId>(universe[k]), .weight = c.weight, .hold = c.hold});
  }
  FixedWeights strategy(targets);
  backtest::BacktestEngine engine(panel, bt, strategy);
  auto record = engine.run();
  EXPECT_TRUE(record) << record.error().message;
  if (!record) return {};

  TradingEnvConfig config;
  config.control = c.control;
  config.episodes = 1;
  config.episode_days = c.days + 10;
  config.first_day = c.first;
  config.last_day = c.first + c.days;
  config.slippage = slippage;
  config.commission = commission;
  config.rules = c.rules;
  const ObservationFeatures features = no_features(panel, universe.size());
  TradingEnv env(panel, universe, features, config);
  const std::size_t rows = env.num_envs(), width = env.observation_size();
  std::vector<float> obs(rows * width), final_obs(rows * width), rewards(rows), actions(rows, 0.0f);
  std::vector<std::uint8_t> terminated(rows), truncated(rows);
  for (std::size_t k : chosen) actions[k] = c.action;
  env.reset_at(c.first, obs);
  const auto& curve = record->equity;
  EXPECT_EQ(curve.size(), c.days + 1);
  if (curve.size() != c.days + 1) return *record;
  double log_growth = 0;
  for (std::size_t d = 0; d < c.days; ++d) {
    const double before = env.episode(0).equity;
    env.step(actions, {obs, rewards, terminated, truncated, final_obs});
    const double day_log = std::accumulate(rewards.begin(), rewards.end(), 0.0);
    log_growth += day_log;
    if (d + 1 == c.days) break;  // the episode has ended and restarted; its last day is in the rewards
    EXPECT_FALSE(truncated[0] || terminated[0]) << "day " << d;
    EXPECT_NEAR(day_log, std::log(env.episode(0).equity / before), 1e-9) << "the rows' rewards add up to the day's log return";
    EXPECT_NEAR(env.episode(0).equity, curve[d + 1].equity, 0.01) << curve[d + 1].date.to_string();
    if (std::fabs(env.episode(0).equity - curve[d + 1].equity) > 0.01) return *record;  // the first difference says it
  }
  EXPECT_TRUE(truncated[0]);
  const double env_final = config.initial_cash * std::exp(log_growth);
  EXPECT_NEAR(env_final / curve.back().equity, 1.0, 1e-7) << "env " << env_final << " backtest " << curve.back().equity;
  return *record;
}

std::size_t exits(const analysis::BacktestRecord& record, std::string_view reason) {
  return static_cast<std::size_t>(std::count_if(record.trades.begin(), record.trades.end(),
                                                [&](const auto& t) { return t.exit_reason == reason; }));
}

std::size_t filled(const analysis::BacktestRecord& record, std::string_view type) {
  std::size_t n = 0;
  for (const auto& o : record.orders) n += o.filled_quantity > 0 && (type.empty() || o.type == type);
  return n;
}

const trading::TradeRules kNoStops{.stop_loss = 0, .breakeven_after = 0, .trail = 0, .time_stop_days = 0,
                                   .max_positions = 20, .min_position = core::Money::dollars(100)};

TEST(TradingEnvParity, FixedWeightsWithCostsAndLimitsEndWhereTheBacktestEnds) {
  const auto record = expect_parity({.rules = kNoStops, .action = 0.8f, .weight = 0.08});  // 0.8 × the 10% cap
  EXPECT_GT(filled(record, ""), 8u);
}

// The plan's trade rules on (5% stop, break-even after 3% then a 2% trail, 30-session time
// stop): the environment's stops fill where the kernel's stop orders fill — at the open on a gap
// through the stop, else at the stop — and a daily re-target that sells takes the stop off for
// a session, as the kernel's one-exit-at-a-time rule does.
TEST(TradingEnvParity, DailyTargetsWithThePlansStopsEndWhereTheBacktestEnds) {
  const auto record = expect_parity({.rules = trading::TradeRules{}, .action = 0.8f, .weight = 0.08});
  // Every kind of exit happened, or the test would mean little.
  EXPECT_GT(exits(record, "stop"), 10u);
  EXPECT_GT(exits(record, "trailing_stop"), 10u);
  EXPECT_GT(exits(record, "time_stop"), 0u);
}

// Timing: enter when flat, then hold until an exit of the kernel's — stop, trailing stop or
// time stop — closes the position; re-enter the next day, at half size after three losing
// round trips (the risk manager's losing streak).
TEST(TradingEnvParity, HeldEntriesExitByTheKernelsStopsAndTimeStops) {
  const auto record = expect_parity(
      {.rules = trading::TradeRules{}, .control = Control::Timing, .action = 2.0f, .weight = 0.05, .hold = true});
  EXPECT_GT(exits(record, "stop"), 10u);
  EXPECT_GT(exits(record, "trailing_stop"), 10u);
  EXPECT_GT(exits(record, "time_stop"), 0u);
}

// Many episodes at random starts, stepped with random actions: the same seed gives the same
// rewards and observations, another seed other episodes.
TEST(TradingEnvDeterminism, TheSameSeedStepsTheSameEpisodes) {
  const auto& panel = sample_panel();
  const auto universe = stocks(panel);
  TradingEnvConfig config;
  config.episodes = 4;
  config.episode_days = 60;
  config.first_day = 20;
  config.last_day = panel.num_dates() - 1;
  config.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = 5};
  config.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1};
  const ObservationFeatures features = no_features(panel, universe.size());
  auto run = [&](std::uint64_t seed) {
    TradingEnv env(panel, universe, features, config);
    const std::size_t rows = env.num_envs();
    std::vector<float> obs(rows * env.observation_size()), final_obs(obs.size()), rewards(rows), actions(rows);
    std::vector<std::uint8_t> terminated(rows), truncated(rows);
    core::Rng rng(5);
    env.reset(seed, obs);
    std::vector<float> trace;
    for (int s = 0; s < 150; ++s) {  // past the 60-day episodes: restarts included
      for (float& a : actions) a = static_cast<float>(rng.uniform());
      env.step(actions, {obs, rewards, terminated, truncated, final_obs});
      trace.insert(trace.end(), rewards.begin(), rewards.end());
      trace.insert(trace.end(), obs.begin(), obs.end());
    }
    return trace;
  };
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace kestrel::rl
