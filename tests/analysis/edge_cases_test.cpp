// Hand-checked values and the edge cases: empty, one day, zero volatility, no losing day,
// missing days, bad equity curves.
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "analysis/exposure_stats.hpp"
#include "analysis/performance_stats.hpp"
#include "analysis/return_stats.hpp"
#include "analysis/trade_stats.hpp"

namespace kestrel::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

core::Date day(int n) { return *core::Date::parse("2024-01-01") + n; }

EquityPoint point(int n, double equity, double benchmark) {
  EquityPoint p;
  p.date = day(n);
  p.equity = equity;
  p.benchmark = benchmark;
  return p;
}

TEST(SimpleReturns, MissingOrNonPositiveLevelsGiveNaN) {
  const std::vector<double> levels = {100, 110, kNaN, 121, 0, 50, 55};
  const auto r = simple_returns(levels);
  ASSERT_EQ(r.size(), 6u);
  EXPECT_NEAR(r[0], 0.1, 1e-15);
  EXPECT_TRUE(std::isnan(r[1]));
  EXPECT_TRUE(std::isnan(r[2]));
  EXPECT_DOUBLE_EQ(r[3], -1.0);  // a fall to zero is a -100% day
  EXPECT_TRUE(std::isnan(r[4]));  // nothing to grow from
  EXPECT_NEAR(r[5], 0.1, 1e-15);
  EXPECT_TRUE(simple_returns(std::vector<double>{100}).empty());
}

TEST(TailRisk, LinearQuantileAndTailMean) {
  // 21 returns -0.10, -0.09, ..., 0.10: the 5% quantile sits exactly on the second value;
  // CVaR averages floor(20 * 0.05) + 1 = 2 worst days.
  std::vector<double> r;
  for (int i = 10; i >= -10; --i) r.push_back(i / 100.0);
  EXPECT_NEAR(value_at_risk(r), -0.09, 1e-15);
  EXPECT_NEAR(conditional_value_at_risk(r), -0.095, 1e-15);
  // 11 values: position 0.5 between the two smallest.
  const std::vector<double> eleven = {0.0, -0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, -0.1};
  EXPECT_NEAR(value_at_risk(eleven), -0.15, 1e-15);
  EXPECT_NEAR(conditional_value_at_risk(eleven), -0.2, 1e-15);
}

TEST(Ratios, ZeroVolatilityIsUndefinedNotInfinite) {
  const std::vector<double> flat(30, 0.002);
  EXPECT_EQ(annual_volatility(flat), 0.0);
  EXPECT_TRUE(std::isnan(sharpe_ratio(flat)));
  EXPECT_TRUE(std::isnan(sortino_ratio(flat)));  // no losing day either
  EXPECT_TRUE(std::isnan(calmar_ratio(flat)));   // no drawdown
  EXPECT_EQ(max_drawdown(flat), 0.0);
  EXPECT_NEAR(annual_return(flat), std::pow(1.002, 252) - 1, 1e-12);
  // A benchmark that never moves has no beta.
  const AlphaBeta ab = alpha_beta(std::vector<double>{0.01, -0.02, 0.03}, std::vector<double>{0.001, 0.001, 0.001});
  EXPECT_TRUE(std::isnan(ab.beta));
  EXPECT_TRUE(std::isnan(ab.alpha));
}

TEST(Ratios, StrategyEqualToBenchmarkHasBetaOneAndNoInformationRatio) {
  const std::vector<double> r = {0.01, -0.02, 0.015, 0.003, -0.007};
  const AlphaBeta ab = alpha_beta(r, r);
  EXPECT_NEAR(ab.beta, 1.0, 1e-12);
  EXPECT_NEAR(ab.alpha, 0.0, 1e-12);
  EXPECT_TRUE(std::isnan(information_ratio(r, r)));  // zero tracking error
}

TEST(Ratios, AllNaNSeries) {
  const std::vector<double> r(5, kNaN);
  EXPECT_DOUBLE_EQ(total_return(r), 0.0);  // no day moved the wealth
  EXPECT_TRUE(std::isnan(annual_volatility(r)));
  EXPECT_TRUE(std::isnan(sharpe_ratio(r)));
  EXPECT_TRUE(std::isnan(sortino_ratio(r)));
  EXPECT_TRUE(std::isnan(value_at_risk(r)));
  EXPECT_TRUE(std::isnan(conditional_value_at_risk(r)));
}

TEST(TradeStats, NoTradesAndNoLosers) {
  const TradeStats none = compute_trade_stats({});
  EXPECT_EQ(none.trades, 0u);
  EXPECT_TRUE(std::isnan(none.win_rate));
  EXPECT_TRUE(std::isnan(none.profit_factor));
  EXPECT_TRUE(std::isnan(none.average_win));

  const auto trade = [](int entry, int exit, double pnl, double return_pct, double commission) {
    TradeRecord t;
    t.entry_date = day(entry);
    t.exit_date = day(exit);
    t.pnl = pnl;
    t.return_pct = return_pct;
    t.commission = commission;
    return t;
  };
  const std::vector<TradeRecord> winners = {trade(0, 10, 100, 0.1, 1), trade(5, 7, 50, 0.05, 2)};
  const TradeStats s = compute_trade_stats(winners);
  EXPECT_EQ(s.wins, 2u);
  EXPECT_DOUBLE_EQ(s.win_rate, 1.0);
  EXPECT_TRUE(std::isnan(s.profit_factor));
  EXPECT_TRUE(std::isnan(s.average_loss));
  EXPECT_DOUBLE_EQ(s.average_win, 75);
  EXPECT_DOUBLE_EQ(s.largest_win, 100);
  EXPECT_DOUBLE_EQ(s.average_holding_days, 6);
  EXPECT_DOUBLE_EQ(s.average_return, 0.075);
  EXPECT_DOUBLE_EQ(s.commission, 3);
}

TEST(ExposureStats, HandComputed) {
  // 253 points = 252 daily returns = one year; equity 100 throughout.
  std::vector<EquityPoint> equity;
  for (int i = 0; i < 253; ++i) {
    const bool invested = i % 2 == 0;
    equity.push_back(point(i, 100, 1));
    equity.back().gross_exposure = invested ? 0.8 : 0.0;
    equity.back().net_exposure = invested ? 0.6 : 0.0;
    equity.back().positions = invested ? 2 : 0;
  }
  const auto order = [](std::string status, double filled, double price) {
    OrderRecord o;
    o.status = std::move(status);
    o.quantity = 10;
    o.filled_quantity = filled;
    o.average_fill_price = price;
    return o;
  };
  const std::vector<OrderRecord> orders = {order("filled", 10, 10), order("filled", -10, 12),
                                           order("rejected", 0, 0)};
  const ExposureStats e = compute_exposure_stats(equity, orders);
  EXPECT_NEAR(e.average_gross_exposure, 0.8 * 127 / 253, 1e-12);
  EXPECT_NEAR(e.average_net_exposure, 0.6 * 127 / 253, 1e-12);
  EXPECT_DOUBLE_EQ(e.max_gross_exposure, 0.8);
  EXPECT_DOUBLE_EQ(e.time_in_market, 127.0 / 253);
  EXPECT_DOUBLE_EQ(e.traded_notional, 220);
  EXPECT_NEAR(e.annual_turnover, 1.1, 1e-12);  // (220 / 2) / 100 over exactly one year
  EXPECT_EQ(e.orders, 3u);
  EXPECT_EQ(e.filled_orders, 2u);
  EXPECT_EQ(e.rejected_orders, 1u);
}

TEST(PerformanceStats, EmptyAndSinglePointRecords) {
  const auto empty = compute_performance_stats(BacktestRecord{});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->equity_points, 0u);
  EXPECT_EQ(empty->trading_days, 0u);
  EXPECT_TRUE(std::isnan(empty->strategy.sharpe));
  EXPECT_TRUE(std::isnan(empty->strategy.annual_return));
  EXPECT_FALSE(empty->max_drawdown_period.has_value());

  BacktestRecord one;
  one.equity.push_back(point(0, 1000, 50));
  const auto single = compute_performance_stats(one);
  ASSERT_TRUE(single);
  EXPECT_EQ(single->trading_days, 0u);
  EXPECT_EQ(single->start, day(0));
  EXPECT_DOUBLE_EQ(single->ending_equity, 1000);
  EXPECT_TRUE(std::isnan(single->strategy.total_return));
}

TEST(PerformanceStats, MissingBenchmarkLevelsAreSkipped) {
  BacktestRecord record;
  const std::vector<double> equity = {100, 101, 99, 102, 104};
  const std::vector<double> bench = {0, 10, 10.1, 0, 10.3};  // 0 = no level that day
  for (std::size_t i = 0; i < equity.size(); ++i) {
    record.equity.push_back(point(static_cast<int>(i), equity[i], bench[i]));
  }
  const auto stats = compute_performance_stats(record);
  ASSERT_TRUE(stats);
  // Only day 2's benchmark return (10 -> 10.1) exists.
  EXPECT_NEAR(stats->benchmark.total_return, 0.01, 1e-15);
  EXPECT_TRUE(std::isnan(stats->beta));  // one paired day has no variance
  EXPECT_NEAR(stats->strategy.total_return, 0.04, 1e-15);
}

TEST(PerformanceStats, RejectsUnorderedDatesAndNonFiniteEquity) {
  BacktestRecord record;
  record.equity.push_back(point(1, 100, 0));
  record.equity.push_back(point(1, 101, 0));
  const auto unordered = compute_performance_stats(record);
  ASSERT_FALSE(unordered);
  EXPECT_NE(unordered.error().message.find("2024-01-02"), std::string::npos) << unordered.error().message;
  EXPECT_NE(unordered.error().message.find("must ascend"), std::string::npos);

  record.equity[1] = point(2, kNaN, 0);
  const auto not_finite = compute_performance_stats(record);
  ASSERT_FALSE(not_finite);
  EXPECT_NE(not_finite.error().message.find("2024-01-03"), std::string::npos) << not_finite.error().message;
}

}  // namespace
}  // namespace kestrel::analysis
