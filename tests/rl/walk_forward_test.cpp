// The walk-forward comparison: every strategy runs over the same test days, and the one whose
// answer is known — buy-and-hold SPY — ends exactly where the cost models say it must.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "rl/agent_observations.hpp"
#include "rl/price_observations.hpp"
#include "rl/score_observations.hpp"
#include "rl/walk_forward.hpp"
#include "store/csv_folder.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::rl {
namespace {

// The sample's stocks (SPY and SPX left out) and SPY.
struct SampleUniverse {
  std::vector<std::size_t> stocks;
  std::size_t spy = 0;
};

SampleUniverse sample_universe(const store::Panel& panel) {
  SampleUniverse u;
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    if (panel.tickers()[i] == "SPY") u.spy = i;
    if (panel.tickers()[i] != "SPY" && panel.tickers()[i] != "SPX") u.stocks.push_back(i);
  }
  return u;
}

TEST(WalkForward, AgentsAndRulesShareTheTestDaysAndBuyAndHoldEndsWhereTheCostsSay) {
  const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  const auto [universe, spy] = sample_universe(panel);
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
  // The agents observe every feature row too, scaled on the fold's training dates.
  const FeatureRows rows = agent_feature_rows(panel, universe, "SPY");
  auto report = walk_forward(panel, universe, spy, price_observations(panel, universe), &rows, config,
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

// A planted score that knows tomorrow's close: ranking by it must make the top-k rule earn far
// more than anything honest — proof that the scores reach the rules on the day they were made.
TEST(WalkForward, APlantedScoreThatKnowsTomorrowMakesTheScoreTopKRuleRich) {
  const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  const auto [universe, spy] = sample_universe(panel);
  const kestrel::testing::TempDir dir;
  std::string csv = "date,ticker,score\n";
  const std::size_t last = panel.num_dates() - 1;
  for (std::size_t t = last - 500; t < last; ++t) {
    for (std::size_t id : universe) {
      if (!panel.has_bar(id, t) || !panel.has_bar(id, t + 1)) continue;
      const bool up = panel.adjusted(store::Field::Close, id, t + 1) > panel.adjusted(store::Field::Open, id, t + 1);
      csv += fmt::format("{},{},{}\n", panel.dates()[t].to_string(), panel.tickers()[id], up ? 0.9 : 0.1);
    }
  }
  kestrel::testing::write_file(dir / "oracle.csv", csv);
  auto scored = append_scores(panel, universe, price_observations(panel, universe), {dir / "oracle.csv"});
  ASSERT_TRUE(scored) << scored.error().message;

  WalkForwardConfig config;
  config.folds = 1;
  config.test_days = 100;
  config.valid_days = 50;
  config.ppo_steps = 0;  // rules only
  config.dqn_steps = 0;
  config.first_day = scored->first_scored_day;
  config.last_day = scored->last_scored_day;
  config.score_column = scored->score_columns.front();
  auto report = walk_forward(panel, universe, spy, scored->features, nullptr, config, {});
  ASSERT_TRUE(report) << report.error().message;
  const StrategyOutcome* ranked = nullptr;
  const StrategyOutcome* hold = nullptr;
  for (const auto& s : report->strategies) {
    if (s.name == "score_topk") ranked = &s;
    if (s.name == "buy_and_hold_spy") hold = &s;
  }
  ASSERT_NE(ranked, nullptr);
  ASSERT_NE(hold, nullptr);
  EXPECT_GT(ranked->stats.total_return, 0.3) << "100 days of knowing which stocks close above their open";
  EXPECT_GT(ranked->stats.total_return, hold->stats.total_return + 0.2);
  EXPECT_GT(ranked->entry_accuracy, 0.8);
}

// A strategy that never traded has no Sharpe: the table and the verdicts say "–", never "nan".
TEST(WalkForward, AFlatRecordPrintsNoNan) {
  WalkForwardReport report;
  StrategyOutcome flat;
  flat.name = "ppo_sizing";
  flat.daily_returns = std::vector<double>(10, 0.0);
  flat.stats = analysis::compute_series_stats(flat.daily_returns);
  StrategyOutcome hold;
  hold.name = "buy_and_hold_spy";
  hold.daily_returns = {0.01, -0.005, 0.002};
  hold.stats = analysis::compute_series_stats(hold.daily_returns);
  hold.average_exposure = 1;
  report.strategies = {flat, hold};
  report.best = "buy_and_hold_spy";
  const std::string table = to_markdown(report);
  EXPECT_EQ(table.find("nan"), std::string::npos) << table;
  EXPECT_NE(table.find("| ppo_sizing | 0.0% | – | – |"), std::string::npos) << table;
  EXPECT_NE(table.find("ppo_sizing does NOT beat buy-and-hold after costs (Sharpe – vs"), std::string::npos) << table;
  EXPECT_NE(table.find("ppo_sizing was invested 0.0%"), std::string::npos) << table;
}

}  // namespace
}  // namespace kestrel::rl
