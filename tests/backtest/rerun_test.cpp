// Rerunning a backtest yields identical trades, orders, equity and statistics (compared in full),
// and the statistics equal the pinned ones in fixtures/rerun_pins.json: a deterministic but wrong
// engine passes the first check, not the second.
//
// Re-pinning, deliberately, after a change that is meant to move the numbers (a new cost model,
// a fixed fill rule): run
//   KESTREL_REPIN=1 ./build/release/tests/backtest/backtest_tests --gtest_filter='Rerun.*'
// then read `git diff tests/backtest/fixtures/rerun_pins.json`, explain every moved figure in the
// commit message, and commit it with the change. Never re-pin to make a failing test pass
// without knowing why the figures moved.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "analysis/performance_stats.hpp"
#include "analysis/stats_json.hpp"
#include "backtest/engine.hpp"
#include "store/csv_folder.hpp"
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
  c.risk.enabled = false;  // pinned before the risk manager existed; risk reruns: risk_report_test.cpp
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

const std::filesystem::path kPins = std::filesystem::path(KESTREL_SOURCE_DIR) / "tests/backtest/fixtures/rerun_pins.json";

// What is pinned: the counts, final equity, commissions and every statistic.
nlohmann::json summary(const nlohmann::json& run) {
  nlohmann::json pin;
  pin["trades"] = run["trades"].size();
  pin["orders"] = run["orders"].size();
  pin["final_equity"] = run["equity"].back()[1];
  double commission = 0;
  for (const auto& o : run["orders"]) commission += o[12].get<double>();
  pin["commission"] = commission;
  pin["stats"] = run["stats"];
  return pin;
}

// Numbers agree to 1e-9 relative (a compiler may reorder a sum); everything else exactly.
void expect_matches_pin(const nlohmann::json& actual, const nlohmann::json& pinned, const std::string& path) {
  if (actual.is_number() && pinned.is_number()) {
    const double a = actual.get<double>(), p = pinned.get<double>();
    EXPECT_LE(std::abs(a - p), 1e-9 * std::max(1.0, std::abs(p))) << path << ": " << a << ", pinned " << p;
    return;
  }
  if (actual.is_object() && pinned.is_object()) {
    for (const auto& [key, value] : pinned.items()) {
      if (!actual.contains(key)) {
        ADD_FAILURE() << path << "." << key << " is pinned but no longer produced";
        continue;
      }
      expect_matches_pin(actual[key], value, path + "." + key);
    }
    for (const auto& [key, value] : actual.items()) {
      if (!pinned.contains(key)) ADD_FAILURE() << path << "." << key << " is new: re-pin (see the top of this file)";
    }
    return;
  }
  EXPECT_EQ(actual, pinned) << path;
}

void expect_pinned(const std::string& name, const nlohmann::json& run) {
  nlohmann::json pins;
  if (std::ifstream in(kPins); in) pins = nlohmann::json::parse(in);
  const nlohmann::json actual = summary(run);
  if (std::getenv("KESTREL_REPIN") != nullptr) {
    pins[name] = actual;
    std::ofstream(kPins) << pins.dump(2) << "\n";
    GTEST_SKIP() << "re-pinned " << name << " in " << kPins << ": review the diff before committing";
  }
  ASSERT_TRUE(pins.contains(name)) << "no pinned figures for " << name << " in " << kPins;
  expect_matches_pin(actual, pins[name], name);
}

template <class MakeStrategy>
void expect_identical_reruns(const std::string& name, MakeStrategy make) {
  auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
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
  expect_pinned(name, runs[0]);
}

TEST(Rerun, SmaCrossoverIsBitIdenticalAndPinned) {
  expect_identical_reruns("sma_crossover_20_50",
      [] { return std::make_unique<strategy::SmaCrossover>(strategy::SmaCrossoverParams{.fast = 20, .slow = 50}); });
}

TEST(Rerun, MomentumIsBitIdenticalAndPinned) {
  expect_identical_reruns("momentum_126_21_top5", [] {
    return std::make_unique<strategy::Momentum>(strategy::MomentumParams{.lookback = 126, .skip = 21, .top_k = 5});
  });
}

TEST(Invariants, CashNeverNegativeAndPositionsWithinTheLimit) {
  auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel) << panel.error().message;
  strategy::SmaCrossover sma(strategy::SmaCrossoverParams{.fast = 10, .slow = 30, .position_weight = 0.2});
  auto config = sample_config(*panel);
  config.rules.max_positions = 4;
  backtest::BacktestEngine engine(*panel, config, sma);
  auto record = engine.run();
  ASSERT_TRUE(record) << record.error().message;
  for (const auto& e : record->equity) {
    ASSERT_GE(e.cash, 0.0) << e.date.to_string();
    ASSERT_LE(e.positions, 4) << e.date.to_string();
    ASSERT_GE(e.net_exposure, 0.0) << e.date.to_string();  // long only
  }
  for (const auto& t : record->trades) ASSERT_LE(t.entry_date, t.exit_date);
}

TEST(Invariants, WithoutCostsEveryFillIsInsideItsBar) {
  auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel) << panel.error().message;
  strategy::SmaCrossover sma(strategy::SmaCrossoverParams{.fast = 10, .slow = 30, .position_weight = 0.1});
  auto config = sample_config(*panel);
  config.broker = {};  // no slippage, no commission, no participation cap: one fill per order
  backtest::BacktestEngine engine(*panel, config, sma);
  auto record = engine.run();
  ASSERT_TRUE(record) << record.error().message;
  std::size_t checked = 0;
  for (const auto& o : record->orders) {
    if (o.status != "filled") continue;
    const auto i = *panel->ticker_index(o.ticker);
    const auto t = *panel->date_index(o.last_update);
    const double low = panel->adjusted(store::Field::Low, i, t);
    const double high = panel->adjusted(store::Field::High, i, t);
    ASSERT_GE(o.average_fill_price, low - 1e-6) << o.client_order_id;
    ASSERT_LE(o.average_fill_price, high + 1e-6) << o.client_order_id;
    ASSERT_GT(o.last_update, o.submitted) << o.client_order_id;  // never on the decision bar
    ++checked;
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace kestrel::testing
