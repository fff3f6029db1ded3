// Paper versus backtest: the trading node replaying past days and `kestrel backtest` of the
// same config run the same kernel, so their orders, fills and equity must be identical —
// compared in full, including what the node journaled.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "backtest/config.hpp"
#include "backtest/runner.hpp"
#include "live/trading_node.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

// Client order ids carry the run's prefix ("bt" in a backtest, the run id in a node).
std::string without_prefix(const std::string& text) {
  static const std::regex id(R"(\b(bt|[0-9a-f]{8})-([0-9]+))");
  return std::regex_replace(text, id, "#$2");
}

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
    j["orders"].push_back({o.submitted.to_string(), o.last_update.to_string(), without_prefix(o.client_order_id),
                           o.ticker, o.side, o.type, o.status, o.quantity, o.filled_quantity, o.limit_price,
                           o.stop_price, o.average_fill_price, o.commission, without_prefix(o.reason)});
  }
  if (r.risk) {
    for (const auto& e : r.risk->events) j["risk"].push_back({e.date.to_string(), e.kind, e.rule, e.message});
  }
  return j;
}

backtest::BacktestConfig sample_sma(const std::vector<backtest::Override>& extra = {}) {
  std::vector<backtest::Override> overrides{{"data.start", "2018-01-02"}, {"data.end", "2019-12-31"}};
  overrides.insert(overrides.end(), extra.begin(), extra.end());
  auto config = backtest::read_backtest_config(std::string(KESTREL_SOURCE_DIR) + "/configs/backtest-sample.toml", overrides);
  EXPECT_TRUE(config) << config.error().message;
  return *config;
}

live::NodeSummary replay(const backtest::BacktestConfig& config, const std::filesystem::path& journal) {
  live::NodeOptions options;
  options.mode = live::NodeMode::Replay;
  options.journal = journal;
  auto node = live::TradingNode::open(config, options);
  EXPECT_TRUE(node) << node.error().message;
  auto summary = (*node)->run();
  EXPECT_TRUE(summary) << summary.error().message;
  return summary ? std::move(*summary) : live::NodeSummary{};
}

// The journal holds exactly what the backtest record says: one order row per order, fills
// that add up to each order's filled quantity and average price, and the daily equity.
void expect_journal_matches(const std::filesystem::path& path, const std::string& run_id,
                            const analysis::BacktestRecord& record) {
  auto journal = store::Journal::open(path);
  ASSERT_TRUE(journal) << journal.error().message;
  auto orders = journal->orders(run_id);
  auto events = journal->events(run_id);
  auto days = journal->days(run_id);
  ASSERT_TRUE(orders && events && days);
  ASSERT_EQ(orders->size(), record.orders.size());
  std::map<std::string, std::pair<double, double>> filled;  // client id -> shares, value
  std::map<std::string, std::string> last_status;
  for (const auto& e : *events) {
    if (e.kind == "fill") {
      filled[e.client_order_id].first += e.quantity;
      filled[e.client_order_id].second += e.quantity * e.price;
    }
  }
  for (std::size_t k = 0; k < orders->size(); ++k) {
    const auto& row = (*orders)[k];
    const auto& o = record.orders[k];
    ASSERT_EQ(without_prefix(row.client_order_id), without_prefix(o.client_order_id));
    EXPECT_EQ(row.ticker, o.ticker);
    EXPECT_EQ(row.side, o.side);
    EXPECT_EQ(row.type, o.type);
    EXPECT_EQ(row.quantity, o.quantity);
    const auto [shares, value] = filled[row.client_order_id];
    EXPECT_EQ(shares, o.filled_quantity) << row.client_order_id;
    if (shares > 0) {
      EXPECT_NEAR(value / shares, o.average_fill_price, 1e-6) << row.client_order_id;
    }
  }
  ASSERT_EQ(days->size(), record.equity.size());
  for (std::size_t k = 0; k < days->size(); ++k) {
    EXPECT_EQ((*days)[k].date, record.equity[k].date);
    EXPECT_EQ((*days)[k].equity, record.equity[k].equity) << (*days)[k].date.to_string();
    EXPECT_EQ((*days)[k].cash, record.equity[k].cash) << (*days)[k].date.to_string();
  }
}

TEST(NodeParity, ReplayEqualsBacktestOrdersFillsAndEquityInFull) {
  const auto config = sample_sma();
  auto panel = backtest::load_panel(config.data);
  ASSERT_TRUE(panel) << panel.error().message;
  auto backtested = backtest::run_backtest(config, *panel);
  ASSERT_TRUE(backtested) << backtested.error().message;
  ASSERT_GT(backtested->record.trades.size(), 10u);

  TempDir dir;
  const auto summary = replay(config, dir / "journal.db");
  ASSERT_TRUE(summary.finished);
  EXPECT_EQ(dump(summary.record).dump(1), dump(backtested->record).dump(1));
  EXPECT_EQ(summary.equity, backtested->record.equity.back().equity);
  expect_journal_matches(dir / "journal.db", summary.run_id, backtested->record);
}

TEST(NodeParity, HoldsWithShortsBracketStopsAndTheRiskManager) {
  const auto config = sample_sma({{"portfolio.allow_short", "true"}, {"rules.attach_stop", "true"},
                                  {"strategy.fast", "10"}, {"strategy.slow", "30"}});
  auto panel = backtest::load_panel(config.data);
  ASSERT_TRUE(panel);
  auto backtested = backtest::run_backtest(config, *panel);
  ASSERT_TRUE(backtested) << backtested.error().message;
  TempDir dir;
  const auto summary = replay(config, dir / "journal.db");
  EXPECT_EQ(dump(summary.record).dump(1), dump(backtested->record).dump(1));
  // A long-only strategy never ends up short, even with shorting allowed (one exit per position).
  for (const auto& t : backtested->record.trades) EXPECT_GT(t.quantity, 0) << t.ticker << " " << t.entry_date.to_string();
}

}  // namespace
}  // namespace kestrel::testing
