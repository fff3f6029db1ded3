// Backtest configuration: unknown keys and every other problem reported at once, overrides.
#include <gtest/gtest.h>

#include "backtest/config.hpp"
#include "backtest/runner.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

constexpr const char* kValid = R"(
mode = "backtest"
name = "t"
[data]
csv_dir = "prices"
start = "2012-01-03"
[execution.commission]
model = "zero"
[strategy]
type = "sma_crossover"
fast = 10
slow = 30
)";

TEST(BacktestConfig, ReadsValuesDefaultsAndRelativePaths) {
  auto c = backtest::parse_backtest_config(kValid, "t.toml", "/cfg");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->data.csv_dir, std::filesystem::path("/cfg/prices"));
  EXPECT_EQ(c->data.start, core::Date::from_ymd(2012, 1, 3));
  EXPECT_EQ(c->strategy.type, "sma_crossover");
  EXPECT_EQ(c->strategy.sma.fast, 10u);
  EXPECT_EQ(c->broker.commission.kind, sim::CommissionModel::Kind::ZeroWithFees);
  EXPECT_DOUBLE_EQ(c->broker.commission.sec_fee_rate, 27.8e-6);
  EXPECT_DOUBLE_EQ(c->rules.stop_loss, 0.05);  // the plan's trade rules are the defaults
  EXPECT_EQ(c->rules.max_positions, 20u);
  EXPECT_EQ(c->hash.size(), 16u);
}

TEST(BacktestConfig, ReportsEveryProblemWithItsPosition) {
  auto c = backtest::parse_backtest_config(R"([data]
csv_dir = "x"
colour = "red"
[rules]
stop_loss = 2.0
[strategy]
type = "sma_crossover"
fast = 300
slow = 200
speed = 1
)",
                                           "bad.toml", ".");
  ASSERT_FALSE(c);
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("4 problem(s)"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.toml:3:10: data.colour: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.toml:5:13: rules.stop_loss: must be between 0 and 0.99, got 2"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.toml:8:8: strategy.fast: must be less than strategy.slow"), std::string::npos) << m;
  EXPECT_NE(m.find("bad.toml:10:9: strategy.speed: unknown key"), std::string::npos) << m;
}

TEST(BacktestConfig, TheSignalCostGateIsReadAndANegativeOneRefused) {
  const std::string text = R"([data]
csv_dir = "x"
[strategy]
type = "signal"
predictions = "p.csv"
min_gain = 0.002
)";
  auto c = backtest::parse_backtest_config(text, "s.toml", ".");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_DOUBLE_EQ(c->strategy.signal.min_gain, 0.002);
  auto bad = backtest::parse_backtest_config(text, "s.toml", ".", {{"strategy.min_gain", "-0.01"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("strategy.min_gain: must be between 0 and"), std::string::npos)
      << bad.error().message;
}

TEST(BacktestConfig, OverridesAreTypedAndValidated) {
  auto c = backtest::parse_backtest_config(kValid, "t.toml", ".", {{"strategy.fast", "5"}, {"rules.trail", "0.04"}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->strategy.sma.fast, 5u);
  EXPECT_DOUBLE_EQ(c->rules.trail, 0.04);
  auto base = backtest::parse_backtest_config(kValid, "t.toml", ".");
  EXPECT_NE(c->hash, base->hash);
  auto bad = backtest::parse_backtest_config(kValid, "t.toml", ".", {{"strategy.fast", "ten"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("t.toml: strategy.fast: expected an integer"), std::string::npos)
      << bad.error().message;
}

TEST(BacktestConfig, RiskPresetsAreOverriddenByKeysBesideThem) {
  auto c = backtest::parse_backtest_config(std::string(kValid) + "[risk]\npreset = \"first_live\"\nmax_positions = 3\n",
                                           "t.toml", ".");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->risk.limits.max_capital, 1000.0);
  EXPECT_EQ(c->risk.limits.max_order_value, 100.0);
  EXPECT_EQ(c->risk.limits.min_open_confidence, 0.8);
  EXPECT_EQ(c->risk.limits.max_positions, 3);
  auto bad = backtest::parse_backtest_config(std::string(kValid) + "[risk]\npreset = \"yolo\"\n", "t.toml", ".");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("t.toml:14:10: risk.preset: unknown preset 'yolo' (known: first_live, live_5k, "
                                     "live_10k)"),
            std::string::npos)
      << bad.error().message;
}

TEST(BacktestConfig, DrawdownStepsArePairsCheckedForOrder) {
  auto c = backtest::parse_backtest_config(std::string(kValid) + "[risk]\ndrawdown_steps = [[0.05, 0.75], [0.1, 0.5]]\n",
                                           "t.toml", ".");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->risk.limits.drawdown_steps, (std::vector<std::pair<double, double>>{{0.05, 0.75}, {0.1, 0.5}}));
  auto shape = backtest::parse_backtest_config(std::string(kValid) + "[risk]\ndrawdown_steps = [0.05, 0.75]\n", "t.toml", ".");
  ASSERT_FALSE(shape);
  EXPECT_NE(shape.error().message.find("t.toml:14:18: risk.drawdown_steps: expected a list of [drawdown, scale] pairs"),
            std::string::npos)
      << shape.error().message;
  auto order = backtest::parse_backtest_config(std::string(kValid) + "[risk]\ndrawdown_steps = [[0.1, 0.5], [0.05, 0.75]]\n",
                                               "t.toml", ".");
  ASSERT_FALSE(order);
  EXPECT_NE(order.error().message.find("drawdown_steps[1]: drawdowns must increase"), std::string::npos)
      << order.error().message;
}

TEST(BacktestConfig, ModeIsConfigurationAndABacktestSimulatesAnyMode) {
  // A paper config backtests exactly as the same config in backtest mode: the mode only
  // tells `kestrel trade` how to run it.
  const backtest::Override sample{"data.csv_dir", KESTREL_SAMPLE_DATA};
  auto paper = backtest::parse_backtest_config(kValid, "t.toml", ".", {{"mode", "paper"}, sample});
  ASSERT_TRUE(paper) << paper.error().message;
  EXPECT_EQ(paper->mode, backtest::Mode::Paper);
  auto plain = backtest::parse_backtest_config(kValid, "t.toml", ".", {sample});
  ASSERT_TRUE(plain) << plain.error().message;
  auto panel = backtest::load_panel(plain->data);
  ASSERT_TRUE(panel) << panel.error().message;
  auto a = backtest::run_backtest(*paper, *panel);
  auto b = backtest::run_backtest(*plain, *panel);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->record.equity.size(), b->record.equity.size());
  EXPECT_EQ(a->record.equity.back().equity, b->record.equity.back().equity);
  EXPECT_EQ(a->record.orders.size(), b->record.orders.size());
}

TEST(BacktestCommand, WritesReportsAndSweepsIntoOneFolderPerRun) {
  TempDir dir;
  const std::string exe = KESTREL_BINARY;
  const std::string config = std::string(KESTREL_SOURCE_DIR) + "/configs/backtest-sample.toml";
  auto single = run_command(exe + " -q backtest --config " + config + " --out " + (dir / "one").string());
  ASSERT_EQ(single.exit_code, 0) << single.output;
  for (const char* f : {"report.html", "stats.json", "equity.csv", "trades.csv", "orders.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "one" / f)) << f;
  }
  auto sweep = run_command(exe + " -q backtest --config " + config + " --out " + (dir / "sweep").string() +
                           " --sweep strategy.fast=20,50 --sweep rules.time_stop_days=0,30");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  for (const char* run : {"run-001", "run-002", "run-003", "run-004"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "sweep" / run / "stats.json")) << run;
  }
  EXPECT_NE(sweep.output.find("strategy.fast=50 rules.time_stop_days=30"), std::string::npos) << sweep.output;
  // The sweep's run with the file's own values reproduces the single run exactly.
  EXPECT_EQ(read_file(dir / "one" / "trades.csv"), read_file(dir / "sweep" / "run-004" / "trades.csv"));
  auto bad = run_command(exe + " backtest --config " + config + " --sweep data.start=2015-01-02");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("cannot be swept"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace kestrel::testing
