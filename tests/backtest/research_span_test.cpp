// A backtest on a panel that starts late (store/research_span.hpp: the pipeline's research
// panel) trades exactly as on the whole panel: every view of the market — closes, volumes,
// histories — reads each ticker's own column, however far into the stored array it starts.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "backtest/config.hpp"
#include "backtest/runner.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::testing {
namespace {

TEST(ResearchSpan, ABacktestOnAPanelThatStartsLateTradesAsOnTheWholePanel) {
  // Momentum reads a year of closes and the venue a window of volumes through the market view.
  auto config = backtest::parse_backtest_config(
      fmt::format("name = \"m\"\n[data]\ncsv_dir = \"{}\"\nstart = \"2015-01-02\"\nend = \"2017-12-29\"\n"
                  "exclude = [\"SPX\"]\n[strategy]\ntype = \"momentum\"\nlookback = 252\nskip = 21\ntop_k = 10\n"
                  "rebalance_every = 21\ngross = 0.78\n",
                  KESTREL_SAMPLE_DATA),
      "m.toml", "/");
  ASSERT_TRUE(config) << config.error().message;
  auto whole = store::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(whole) << whole.error().message;
  const store::Panel late = whole->from_date_index(300);  // 2011-03, long before the run
  ASSERT_FALSE(late.whole());
  auto a = backtest::run_backtest(*config, *whole);
  auto b = backtest::run_backtest(*config, late);
  ASSERT_TRUE(a && b);
  ASSERT_GT(a->record.orders.size(), 20u);
  ASSERT_EQ(a->record.orders.size(), b->record.orders.size());
  for (std::size_t k = 0; k < a->record.orders.size(); ++k) {
    const auto& x = a->record.orders[k];
    const auto& y = b->record.orders[k];
    EXPECT_EQ(x.ticker, y.ticker) << k;
    EXPECT_EQ(x.submitted, y.submitted) << k;
    EXPECT_EQ(x.quantity, y.quantity) << x.ticker << " " << x.submitted.to_string();  // sized from the view's closes
    EXPECT_EQ(x.average_fill_price, y.average_fill_price) << k;
  }
  ASSERT_EQ(a->record.equity.size(), b->record.equity.size());
  EXPECT_EQ(a->record.equity.back().equity, b->record.equity.back().equity);
}

}  // namespace
}  // namespace kestrel::testing
