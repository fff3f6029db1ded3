// The statistics against tests/analysis/fixtures/stats_expected.json, written by
// make_stats_fixture.py: an independent numpy implementation of the same (empyrical)
// definitions. Agreement is required to 1e-10 relative.
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysis/drawdown.hpp"
#include "analysis/performance_stats.hpp"
#include "analysis/period_returns.hpp"
#include "analysis/return_stats.hpp"
#include "analysis/trade_stats.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kRelativeTolerance = 1e-10;

const nlohmann::json& fixture() {
  static const nlohmann::json json = nlohmann::json::parse(
      testing::read_file(KESTREL_SOURCE_DIR "/tests/analysis/fixtures/stats_expected.json"));
  return json;
}

double value(const nlohmann::json& v) { return v.is_null() ? kNaN : v.get<double>(); }

std::vector<double> values(const nlohmann::json& array) {
  std::vector<double> out;
  for (const auto& v : array) out.push_back(value(v));
  return out;
}

void expect_close(double actual, const nlohmann::json& expected_json, const std::string& what) {
  const double expected = value(expected_json);
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": expected undefined (NaN), got " << actual;
    return;
  }
  const double tolerance = kRelativeTolerance * std::max(std::abs(expected), std::abs(actual));
  EXPECT_NEAR(actual, expected, tolerance) << what;
}

class FixtureCase : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureCase, SeriesStatisticsMatchNumpy) {
  const auto& c = fixture()["cases"][GetParam()];
  const auto returns = values(c["returns"]);
  const auto& e = c["series"];
  const SeriesStats s = compute_series_stats(returns);
  expect_close(s.total_return, e["total_return"], "total_return");
  expect_close(s.annual_return, e["annual_return"], "annual_return");
  expect_close(s.annual_volatility, e["annual_volatility"], "annual_volatility");
  expect_close(s.sharpe, e["sharpe"], "sharpe");
  expect_close(s.sortino, e["sortino"], "sortino");
  expect_close(s.downside_risk, e["downside_risk"], "downside_risk");
  expect_close(s.max_drawdown, e["max_drawdown"], "max_drawdown");
  expect_close(s.calmar, e["calmar"], "calmar");
  expect_close(s.value_at_risk, e["value_at_risk"], "value_at_risk");
  expect_close(s.conditional_value_at_risk, e["conditional_value_at_risk"], "conditional_value_at_risk");
}

TEST_P(FixtureCase, RelativeStatisticsMatchNumpy) {
  const auto& c = fixture()["cases"][GetParam()];
  const auto returns = values(c["returns"]);
  const auto benchmark = values(c["benchmark"]);
  const auto& e = c["relative"];
  const AlphaBeta ab = alpha_beta(returns, benchmark);
  expect_close(ab.alpha, e["alpha"], "alpha");
  expect_close(ab.beta, e["beta"], "beta");
  expect_close(information_ratio(returns, benchmark), e["information_ratio"], "information_ratio");
}

TEST_P(FixtureCase, DrawdownPeriodsMatchNumpy) {
  const auto& c = fixture()["cases"][GetParam()];
  const auto returns = values(c["returns"]);
  const auto periods = drawdown_periods(returns);
  const DrawdownSummary summary = summarize_drawdowns(periods);
  if (c["drawdown"].is_null()) {
    EXPECT_TRUE(periods.empty());
    EXPECT_FALSE(summary.deepest.has_value());
    EXPECT_FALSE(summary.longest.has_value());
    return;
  }
  const auto check = [&](const std::optional<DrawdownPeriod>& actual, const nlohmann::json& expected,
                         const std::string& what) {
    ASSERT_TRUE(actual.has_value()) << what;
    EXPECT_EQ(actual->peak, expected["peak"].get<std::size_t>()) << what;
    EXPECT_EQ(actual->trough, expected["trough"].get<std::size_t>()) << what;
    const int recovery = expected["recovery"].get<int>();
    if (recovery < 0) {
      EXPECT_FALSE(actual->recovery.has_value()) << what;
    } else {
      ASSERT_TRUE(actual->recovery.has_value()) << what;
      EXPECT_EQ(*actual->recovery, static_cast<std::size_t>(recovery)) << what;
    }
    EXPECT_EQ(actual->duration, expected["duration"].get<std::size_t>()) << what;
    expect_close(actual->depth, expected["depth"], what + " depth");
  };
  check(summary.deepest, c["drawdown"]["max"], "deepest");
  check(summary.longest, c["drawdown"]["longest"], "longest");
  // The deepest period's depth is the max drawdown, and the series' minimum is too.
  const auto series = drawdown_series(returns);
  EXPECT_EQ(series.size(), returns.size() + 1);
  EXPECT_DOUBLE_EQ(*std::ranges::min_element(series), summary.deepest->depth);
}

INSTANTIATE_TEST_SUITE_P(Fixture, FixtureCase,
                         ::testing::Values("main", "benchmark", "with_nan", "constant", "all_positive",
                                           "two_drawdowns", "empty", "single"));

TEST(RollingSharpe, MatchesNumpyWindowByWindow) {
  const auto returns = values(fixture()["cases"]["main"]["returns"]);
  const auto window = fixture()["rolling_sharpe_window"].get<std::size_t>();
  const auto& expected = fixture()["rolling_sharpe"];
  const auto actual = rolling_sharpe(returns, window);
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    expect_close(actual[i], expected[i], "rolling sharpe day " + std::to_string(i));
  }
  EXPECT_TRUE(std::isnan(actual[window - 2]));
  EXPECT_FALSE(std::isnan(actual[window - 1]));
}

TEST(MonthlyReturns, MatchNumpyGrouping) {
  const auto returns = values(fixture()["cases"]["main"]["returns"]);
  std::vector<core::Date> dates;
  for (const auto& d : fixture()["dates"]) dates.push_back(*core::Date::parse(d.get<std::string>()));
  const auto months = monthly_returns(dates, returns);
  const auto& expected = fixture()["monthly_returns"];
  ASSERT_EQ(months.size(), expected.size());
  for (std::size_t i = 0; i < months.size(); ++i) {
    EXPECT_EQ(months[i].year, expected[i]["year"].get<int>());
    EXPECT_EQ(months[i].month, expected[i]["month"].get<unsigned>());
    expect_close(months[i].value, expected[i]["return"], "month " + std::to_string(i));
  }
  // The years compound the same days: their product equals the whole-period growth.
  double growth = 1;
  for (const auto& y : yearly_returns(dates, returns)) growth *= 1 + y.value;
  EXPECT_NEAR(growth - 1, total_return(returns), 1e-12);
}

TEST(TradeStats, MatchNumpy) {
  std::vector<TradeRecord> trades;
  for (const auto& pnl : fixture()["trade_pnls"]) {
    trades.emplace_back();
    trades.back().pnl = pnl.get<double>();
  }
  const TradeStats s = compute_trade_stats(trades);
  const auto& e = fixture()["trade_stats"];
  EXPECT_EQ(s.trades, e["trades"].get<std::size_t>());
  EXPECT_EQ(s.wins, e["wins"].get<std::size_t>());
  EXPECT_EQ(s.losses, e["losses"].get<std::size_t>());
  expect_close(s.win_rate, e["win_rate"], "win_rate");
  expect_close(s.profit_factor, e["profit_factor"], "profit_factor");
  expect_close(s.average_win, e["average_win"], "average_win");
  expect_close(s.average_loss, e["average_loss"], "average_loss");
  expect_close(s.average_trade, e["average_trade"], "average_trade");
}

// Through the record: equity levels built from the fixture's returns give back the same
// statistics (the returns are recovered to ~1e-16, far inside the tolerance).
TEST(PerformanceStats, FromEquityCurveMatchesNumpy) {
  const auto& c = fixture()["cases"]["main"];
  const auto returns = values(c["returns"]);
  const auto benchmark = values(c["benchmark"]);
  BacktestRecord record;
  double equity = 1'000'000;
  double level = 300;
  const core::Date start = *core::Date::parse("2021-01-01");
  for (std::size_t i = 0; i <= returns.size(); ++i) {
    if (i > 0) {
      equity *= 1 + returns[i - 1];
      level *= 1 + benchmark[i - 1];
    }
    record.equity.emplace_back();
    record.equity.back().date = start + static_cast<int>(i);
    record.equity.back().equity = equity;
    record.equity.back().benchmark = level;
  }
  const auto stats = compute_performance_stats(record);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->trading_days, returns.size());
  expect_close(stats->strategy.sharpe, c["series"]["sharpe"], "sharpe");
  expect_close(stats->strategy.sortino, c["series"]["sortino"], "sortino");
  expect_close(stats->strategy.annual_return, c["series"]["annual_return"], "cagr");
  expect_close(stats->strategy.max_drawdown, c["series"]["max_drawdown"], "max drawdown");
  expect_close(stats->benchmark.annual_volatility, fixture()["cases"]["benchmark"]["series"]["annual_volatility"],
               "benchmark volatility");
  expect_close(stats->alpha, c["relative"]["alpha"], "alpha");
  expect_close(stats->beta, c["relative"]["beta"], "beta");
  expect_close(stats->information_ratio, c["relative"]["information_ratio"], "information ratio");
  ASSERT_TRUE(stats->max_drawdown_period.has_value());
  const auto& dd = c["drawdown"]["max"];
  EXPECT_EQ(stats->max_drawdown_period->peak, start + dd["peak"].get<int>());
  EXPECT_EQ(stats->max_drawdown_period->trough, start + dd["trough"].get<int>());
  EXPECT_EQ(stats->max_drawdown_period->recovery, start + dd["recovery"].get<int>());
  EXPECT_EQ(stats->max_drawdown_period->trading_days, dd["duration"].get<std::size_t>());
}

// The committed fixture is what the generator writes today (Debian's python3-numpy, which
// scripts/install-deps.sh installs), so the expected values cannot drift from the script.
TEST(StatsFixture, IsUpToDateWithItsGenerator) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is not installed";
  testing::TempDir dir;
  const auto result = testing::run_command("/usr/bin/python3 '" KESTREL_SOURCE_DIR
                                           "/tests/analysis/make_stats_fixture.py' '" +
                                           dir.path().string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(testing::read_file(dir / "stats_expected.json") ==
              testing::read_file(KESTREL_SOURCE_DIR "/tests/analysis/fixtures/stats_expected.json"))
      << "rerun /usr/bin/python3 tests/analysis/make_stats_fixture.py and commit the fixture";
}

}  // namespace
}  // namespace kestrel::analysis
