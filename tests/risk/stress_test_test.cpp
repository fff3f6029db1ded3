#include "risk/stress_test.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kestrel::risk {
namespace {

using core::Date;

// Weekdays from `from` to `to` with a price path given by `price(day index)`.
store::TickerSeries series(const std::string& symbol, const std::string& sector, Date from, Date to,
                           const std::function<double(int)>& price) {
  store::TickerSeries s{symbol, sector, {}, {}};
  int k = 0;
  for (Date d = from; d <= to; d = d + 1) {
    if (d.is_weekend()) continue;
    const double p = price(k++);
    s.bars.push_back({d, p, p, p, p, p, 1000});
  }
  return s;
}

TEST(StressTest, ReplaysWindowsAndShocksHoldings) {
  const Date start = Date::from_ymd(2007, 1, 1), end = Date::from_ymd(2012, 12, 31);
  const Date crash_from = Date::from_ymd(2008, 1, 2), crash_to = Date::from_ymd(2009, 3, 9);
  // The market alternates +1%/-1% (so betas can be estimated), and halves in the 2008-09 window.
  auto market_price = [&](Date d, int k) {
    double p = 100 * (k % 2 == 0 ? 1.0 : 1.01);
    if (d >= crash_from) p *= d <= crash_to ? 1 - 0.5 * (d - crash_from) / double(crash_to - crash_from) : 0.5;
    return p;
  };
  std::vector<Date> days;
  for (Date d = start; d <= end; d = d + 1) {
    if (!d.is_weekend()) days.push_back(d);
  }
  auto spy = series("SPY", "Benchmark", start, end, [&](int k) { return market_price(days[static_cast<std::size_t>(k)], k); });
  auto same = series("SAME", "Tech", start, end, [&](int k) { return 2 * market_price(days[static_cast<std::size_t>(k)], k); });
  // Listed only in 2010: no data in the crisis window, so it is proxied by beta x SPY.
  const Date listed = Date::from_ymd(2010, 1, 4);
  std::size_t first = 0;
  while (days[first] < listed) ++first;
  auto late = series("LATE", "Energy", listed, end, [&](int k) {
    const std::size_t i = first + static_cast<std::size_t>(k);
    return market_price(days[i], static_cast<int>(i));
  });
  const store::Panel panel = store::Panel::build({spy, same, late});

  auto results = run_stress_tests(panel, {{"SAME", 0.5}, {"LATE", 0.3}}, end,
                                  {{"2008-09 financial crisis", crash_from, crash_to},
                                   {"future window", Date::from_ymd(2013, 1, 2), Date::from_ymd(2013, 6, 1)}});
  ASSERT_TRUE(results.has_value()) << results.error().message;
  // crisis + market shock + two sectors; the window after as_of is not replayed.
  ASSERT_EQ(results->size(), 4u);
  const StressResult& crisis = (*results)[0];
  EXPECT_EQ(crisis.kind, "historical");
  EXPECT_NEAR(crisis.benchmark_return, -0.5, 1e-9);
  // Both holdings move exactly with the market (beta 1): 80% invested x -50% = -40%.
  EXPECT_NEAR(crisis.portfolio_return, -0.4, 1e-9);
  EXPECT_NEAR(crisis.worst_drawdown, 0.4, 0.01);
  EXPECT_THAT(crisis.proxied, ::testing::ElementsAre("LATE"));

  const StressResult& market = (*results)[1];
  EXPECT_EQ(market.kind, "hypothetical");
  EXPECT_NEAR(market.portfolio_return, 0.8 * -0.10, 1e-9);
  EXPECT_EQ((*results)[2].scenario, "Energy -20%");
  EXPECT_NEAR((*results)[2].portfolio_return, 0.3 * -0.20, 1e-12);
  EXPECT_NEAR((*results)[3].portfolio_return, 0.5 * -0.20, 1e-12);
}

TEST(StressTest, UnknownHoldingIsAnError) {
  auto spy = series("SPY", "Benchmark", Date::from_ymd(2019, 1, 1), Date::from_ymd(2019, 3, 1), [](int) { return 1.0; });
  const store::Panel panel = store::Panel::build({spy});
  auto r = run_stress_tests(panel, {{"NOPE", 0.1}}, Date::from_ymd(2019, 3, 1), default_stress_windows());
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("NOPE"));
}

}  // namespace
}  // namespace kestrel::risk
