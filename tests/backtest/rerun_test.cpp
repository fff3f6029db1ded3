// Rerunning a backtest yields identical trades, orders, equity and statistics (compared in full).
#include <gtest/gtest.h>

#include "analysis/performance_stats.hpp"
#include "analysis/stats_json.hpp"
#include "backtest/csv_panel.hpp"
#include "backtest/engine.hpp"
#include "strategy/momentum.hpp"
#include "strategy/sma_crossover.hpp"

namespace kestrel::testing {
namespace {

nlohmann::json dump(const analysis::BacktestRecord& r) {
  nlohmann::json j;
  for (const auto& e : r.equity) {
    j["equity"].push_back({e.date.to_string(), e.equity, e.cash, e.gross_exposure, e.net_exposure, e.benchmark, e.positions});
  }
  for (const auto& t : r.trades) {
    j["trades"].push_back({t.ticker, t.entry_date.to_string(), t.exit_date.to_string(), t.quantity, t.entry_price,
                           t.exit_price, t.pnl, t.return_pct, t.commission, t.exit_reason});
  }
  for (const auto& o : r.orders) {
    j["orders"].push_back({o.submitted.to_string(), o.last_update.to_string(), o.client_order_id, o.ticker, o.side,
                           o.type, o.status, o.quantity, o.filled_quantity, o.limit_price, o.stop_price,
                           o.average_fill_price, o.commission, o.reason});
  }
  return j;
}

backtest::EngineConfig sample_config(const store::Panel& panel) {
  backtest::EngineConfig c;
  c.name = "rerun";
  c.benchmark = static_cast<backtest::InstrumentId>(*panel.ticker_index("SPY"));
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    if (panel.tickers()[i] != "SPX") c.universe.push_back(static_cast<backtest::InstrumentId>(i));
  }
  c.broker.slippage = {.kind = sim::SlippageModel::Kind::SquareRootImpact, .half_spread_bps = 2,
                       .impact_coefficient = 1.0};
  c.broker.commission = {.kind = sim::CommissionModel::Kind::PerShare, .per_share = 0.005, .minimum = 1.0,
                         .maximum_fraction = 0.01};
  c.broker.participation_cap = 0.05;
  return c;
}

template <class MakeStrategy>
void expect_identical_reruns(MakeStrategy make) {
  auto panel = backtest::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel) << panel.error().message;
  std::vector<nlohmann::json> runs;
  for (int k = 0; k < 2; ++k) {
    auto strategy = make();
    backtest::BacktestEngine engine(*panel, sample_config(*panel), *strategy);
    auto record = engine.run();
    ASSERT_TRUE(record) << record.error().message;
    ASSERT_FALSE(record->trades.empty());
    auto stats = analysis::compute_performance_stats(*record);
    ASSERT_TRUE(stats) << stats.error().message;
    nlohmann::json j = dump(*record);
    j["stats"] = analysis::to_json(*stats);
    runs.push_back(std::move(j));
  }
  EXPECT_EQ(runs[0].dump(), runs[1].dump());
}

TEST(Rerun, SmaCrossoverIsBitIdentical) {
  expect_identical_reruns(
      [] { return std::make_unique<strategy::SmaCrossover>(strategy::SmaCrossoverParams{.fast = 20, .slow = 50}); });
}

TEST(Rerun, MomentumIsBitIdentical) {
  expect_identical_reruns([] {
    return std::make_unique<strategy::Momentum>(strategy::MomentumParams{.lookback = 126, .skip = 21, .top_k = 5});
  });
}

}  // namespace
}  // namespace kestrel::testing
