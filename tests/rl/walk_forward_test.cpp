// The walk-forward comparison: every strategy runs over the same test days, and the one whose
// answer is known — buy-and-hold SPY — ends exactly where the cost models say it must.
#include <gtest/gtest.h>

#include <cmath>

#include "rl/price_observations.hpp"
#include "rl/walk_forward.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::rl {
namespace {

TEST(WalkForward, AgentsAndRulesShareTheTestDaysAndBuyAndHoldEndsWhereTheCostsSay) {
  const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  std::vector<std::size_t> universe;
  std::size_t spy = 0;
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    if (panel.tickers()[i] == "SPY") spy = i;
    if (panel.tickers()[i] != "SPY" && panel.tickers()[i] != "SPX") universe.push_back(i);
  }
  WalkForwardConfig config;
  config.folds = 1;
  config.test_days = 126;
  config.valid_days = 63;
  config.ppo_steps = 4000;
  config.dqn_steps = 4000;
  config.ppo.n_steps = 32;
  config.checks = 2;
  config.train_episodes = 2;
  config.env.slippage = {.kind = sim::SlippageModel::Kind::FixedBps, .bps = 5};
  config.env.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1};
  std::vector<std::string> lines;
  auto report = walk_forward(panel, universe, spy, price_observations(panel, universe), config,
                             [&](const std::string& line) { lines.push_back(line); });
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->strategies.size(), 6u);
  for (const auto& s : report->strategies) EXPECT_EQ(s.daily_returns.size(), 126u) << s.name;
  EXPECT_EQ(report->strategies[0].name, "ppo_sizing");
  EXPECT_EQ(report->strategies[1].name, "dqn_timing");

  // Buy-and-hold: at the decision day's close buy trunc(cash / close) shares (or what the cash
  // buys at the next open with 1% room), pay 5 bps and $0.005 a share (≥ $1), hold to the end.
  const std::size_t last = panel.num_dates() - 1, from = last - 126;
  const double close = panel.adjusted(store::Field::Close, spy, from);
  const double open = panel.adjusted(store::Field::Open, spy, from + 1);
  const double shares = std::min(std::trunc(100'000 / close), std::floor(100'000 / (open * 1.01)));
  const double factor = panel.value(store::Field::AdjClose, spy, from + 1) / panel.value(store::Field::Close, spy, from + 1);
  const double fee = std::ceil(std::max(0.005 * shares * factor, 1.0) * 100 - 1e-7) / 100;
  const double expected = 100'000 - shares * open * 1.0005 - fee + shares * panel.adjusted(store::Field::Close, spy, last);
  const auto& hold = report->strategies.back();
  ASSERT_EQ(hold.name, "buy_and_hold_spy");
  EXPECT_NEAR(1 + hold.stats.total_return, expected / 100'000, 1e-6);
  EXPECT_EQ(hold.round_trips, 0u);

  const std::string table = to_markdown(*report);
  EXPECT_NE(table.find("| buy_and_hold_spy |"), std::string::npos) << table;
  EXPECT_NE(table.find("deflated Sharpe ratio"), std::string::npos);
  EXPECT_NE(table.find("ppo_sizing "), std::string::npos) << "a verdict for each agent against SPY";
  bool kept = false;
  for (const auto& l : lines) kept |= l.find("kept (best on validation)") != std::string::npos;
  EXPECT_TRUE(kept);
}

}  // namespace
}  // namespace kestrel::rl
