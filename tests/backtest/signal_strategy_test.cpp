// The signal strategy trades a predictions file and never acts before the next bar.
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "backtest/engine.hpp"
#include "risk/risk_manager.hpp"
#include "scenario.hpp"
#include "strategy/predictions.hpp"
#include "strategy/signal_strategy.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

store::Panel two_tickers() {
  std::vector<std::optional<BarSpec>> a, b;
  for (int k = 0; k < 6; ++k) {
    a.push_back(flat(100 + k));
    b.push_back(flat(50 + k));
  }
  return store::Panel::build({make_series("A", a), make_series("B", b)});
}

TEST(SignalStrategy, ActsAfterTheCloseOfThePredictionDate) {
  const auto panel = two_tickers();
  TempDir dir;
  write_file(dir / "predictions.csv",
             "date,ticker,score,confidence\n"
             "2024-01-02,A,0.9,1\n"
             "2024-01-02,B,0.1,1\n"
             "2024-01-04,A,-0.5,1\n"
             "2024-01-04,B,0.7,1\n"
             "2024-01-05,A,5.0,0.1\n");  // below min_confidence: ignored
  auto predictions = strategy::read_predictions(dir / "predictions.csv", panel);
  ASSERT_TRUE(predictions) << predictions.error().message;
  strategy::SignalStrategy signal(*predictions, {.top_k = 1, .long_short = false, .gross = 0.5, .min_confidence = 0.5});
  auto config = bare_config();
  backtest::BacktestEngine engine(panel, config, signal);
  auto record = engine.run();
  ASSERT_TRUE(record) << record.error().message;
  // Day 1 (2024-01-02) predictions: buy A, submitted after day 1's close, filled at day 2's open.
  ASSERT_GE(record->orders.size(), 3u);
  EXPECT_EQ(record->orders[0].ticker, "A");
  EXPECT_EQ(record->orders[0].submitted, day(1));
  EXPECT_EQ(record->orders[0].last_update, day(2));
  EXPECT_DOUBLE_EQ(record->orders[0].average_fill_price, 102.0);
  EXPECT_DOUBLE_EQ(record->orders[0].quantity, 495.0);  // 50% of 100,000 at day 1's close of 101
  // Day 3 (2024-01-04): switch to B, filled at day 4's open; sells go first.
  EXPECT_EQ(record->orders[1].ticker, "A");
  EXPECT_EQ(record->orders[1].side, "sell");
  EXPECT_EQ(record->orders[1].last_update, day(4));
  EXPECT_EQ(record->orders[2].ticker, "B");
  EXPECT_EQ(record->orders[2].last_update, day(4));
  EXPECT_EQ(record->orders.size(), 3u);  // the low-confidence row changed nothing
  ASSERT_GE(record->trades.size(), 1u);
  EXPECT_EQ(record->trades[0].entry_date, day(2));
  EXPECT_EQ(record->trades[0].exit_date, day(4));
}

TEST(SignalStrategy, HoldBandRebalanceFrequencyAndMinimumHoldCutTheTurnover) {
  // The top name flips every day; prices are flat, so a kept position needs no resizing. Daily
  // with no band: buy, then switch at every open (1 + 2 x 3 orders). Every second day: the
  // decisions of days 1 and 3 both pick A, so nothing trades after the first buy. With a band
  // of 1 on 2 names the held name is never ranked out: one order.
  std::vector<std::optional<BarSpec>> a(6, flat(100)), b(6, flat(50));
  const auto panel = store::Panel::build({make_series("A", a), make_series("B", b)});
  auto predictions = strategy::parse_predictions(
      "date,ticker,score\n"
      "2024-01-02,A,1\n2024-01-02,B,0\n"
      "2024-01-03,A,0\n2024-01-03,B,1\n"
      "2024-01-04,A,1\n2024-01-04,B,0\n"
      "2024-01-05,A,0\n2024-01-05,B,1\n",
      "p.csv", panel);
  ASSERT_TRUE(predictions) << predictions.error().message;
  auto orders = [&](strategy::SignalParams params) {
    strategy::SignalStrategy signal(*predictions, params);
    backtest::BacktestEngine engine(panel, bare_config(), signal);
    auto record = engine.run();
    EXPECT_TRUE(record) << record.error().message;
    std::vector<std::string> out;
    for (const auto& o : record->orders) out.push_back(o.ticker + " " + o.side + " " + o.submitted.to_string());
    return out;
  };
  const auto daily = orders({.top_k = 1, .gross = 0.5});
  EXPECT_EQ(daily.size(), 7u) << ::testing::PrintToString(daily);
  const auto every_second = orders({.top_k = 1, .gross = 0.5, .rebalance_every = 2});
  EXPECT_EQ(every_second, (std::vector<std::string>{"A buy 2024-01-02"})) << ::testing::PrintToString(every_second);
  const auto banded = orders({.top_k = 1, .gross = 0.5, .hold_band = 1});
  EXPECT_EQ(banded, (std::vector<std::string>{"A buy 2024-01-02"})) << ::testing::PrintToString(banded);
  // A minimum holding period of 3 sessions: A, bought at the open of 01-03, is kept through the
  // decisions of 01-03 and 01-04 (held 1 and 2 sessions) and may go at the decision of 01-05
  // (held 3), when B leads again.
  const auto held_three = orders({.top_k = 1, .gross = 0.5, .min_hold_days = 3});
  EXPECT_EQ(held_three, (std::vector<std::string>{"A buy 2024-01-02", "A sell 2024-01-05", "B buy 2024-01-05"}))
      << ::testing::PrintToString(held_three);
  // The leader changes by a score of 1 each day: a cost of 1 or more is never worth a switch,
  // a smaller one always is.
  const auto costly = orders({.top_k = 1, .gross = 0.5, .min_gain = 1.0});
  EXPECT_EQ(costly, (std::vector<std::string>{"A buy 2024-01-02"})) << ::testing::PrintToString(costly);
  EXPECT_EQ(orders({.top_k = 1, .gross = 0.5, .min_gain = 0.5}), daily);
}

TEST(SignalStrategy, AKeptNameKeepsItsSizeWhileANewOneGetsTheTargetWeight) {
  // Prices rise 1 a day: without a band, a name still in the top k is resized to its weight
  // (small sells as its price rises); inside a band it is left as it is.
  const auto panel = two_tickers();
  auto predictions = strategy::parse_predictions(
      "date,ticker,score\n2024-01-02,A,1\n2024-01-02,B,0\n2024-01-03,A,1\n2024-01-03,B,0\n", "p.csv", panel);
  ASSERT_TRUE(predictions) << predictions.error().message;
  for (std::size_t band : {std::size_t{0}, std::size_t{1}}) {
    strategy::SignalStrategy signal(*predictions, {.top_k = 1, .gross = 0.5, .hold_band = band});
    backtest::BacktestEngine engine(panel, bare_config(), signal);
    auto record = engine.run();
    ASSERT_TRUE(record) << record.error().message;
    EXPECT_EQ(record->orders.size(), band == 0 ? 2u : 1u) << "band " << band;
  }
}

TEST(SignalStrategy, LongShortTakesBothEnds) {
  const auto panel = two_tickers();
  auto predictions = strategy::parse_predictions("date,ticker,score\n2024-01-02,A,1\n2024-01-02,B,-1\n", "p.csv", panel);
  ASSERT_TRUE(predictions) << predictions.error().message;
  strategy::SignalStrategy signal(*predictions, {.top_k = 1, .long_short = true, .gross = 1.0, .min_confidence = 0});
  auto config = bare_config();
  config.portfolio.allow_short = true;
  backtest::BacktestEngine engine(panel, config, signal);
  auto record = engine.run();
  ASSERT_TRUE(record) << record.error().message;
  ASSERT_EQ(record->orders.size(), 2u);
  EXPECT_EQ(record->orders[0].ticker, "B");  // the short is a sell: sells go first
  EXPECT_EQ(record->orders[0].side, "sell");
  EXPECT_EQ(record->orders[1].ticker, "A");
  EXPECT_EQ(record->orders[1].side, "buy");
}

TEST(SignalStrategy, FirstLivePresetTradesACappedSliceOnlyOnConfidentCalls) {
  // Three names on a $100,000 account under the first_live preset: weights are fractions of
  // the $1,000 cap, each trade at most $100, and B (confidence 0.6) is never opened.
  std::vector<std::optional<BarSpec>> a, b, c;
  for (int k = 0; k < 8; ++k) {
    a.push_back(flat(40));
    b.push_back(flat(30));
    c.push_back(flat(20));
  }
  const auto panel = store::Panel::build({make_series("A", a), make_series("B", b), make_series("C", c)});
  std::string csv = "date,ticker,score,confidence\n";
  for (int k = 0; k < 6; ++k) {
    const std::string d = day(k).to_string();
    csv += d + ",A,0.9,0.9\n" + d + ",B,0.8,0.6\n" + d + ",C,0.7,0.85\n";
  }
  auto predictions = strategy::parse_predictions(csv, "p.csv", panel);
  ASSERT_TRUE(predictions) << predictions.error().message;
  strategy::SignalStrategy signal(*predictions, {.top_k = 3, .long_short = false, .gross = 0.9});
  auto config = bare_config();
  config.risk.enabled = true;
  config.risk.limits = *risk::risk_preset("first_live");
  backtest::BacktestEngine engine(panel, config, signal);
  auto record = engine.run();
  ASSERT_TRUE(record) << record.error().message;
  std::map<std::string, double> bought;
  for (const auto& o : record->orders) {
    EXPECT_NE(o.ticker, "B") << "confidence 0.6 is below the preset's 0.8";
    EXPECT_LE(o.filled_quantity * o.average_fill_price, 100.0 + 1e-9) << o.ticker << " on " << o.submitted.to_string();
    if (o.side == "buy") bought[o.ticker] += o.filled_quantity * o.average_fill_price;
  }
  // Each target is 30% of the $1,000 cap: $300, reached $100 a day.
  EXPECT_DOUBLE_EQ(bought["A"], 280.0);  // 7 shares at $40: 2 + 2 + 2 + 1, $100 trades of whole shares
  EXPECT_DOUBLE_EQ(bought["C"], 300.0);  // 15 shares at $20: 5 + 5 + 5
  ASSERT_TRUE(record->risk.has_value());
  EXPECT_GT(record->risk->counters.at("min_confidence"), 0);
  EXPECT_EQ(record->risk->limits.at("max_capital"), 1000.0);
}

}  // namespace
}  // namespace kestrel::testing

namespace kestrel::testing {
namespace {

// The news event stop: a held name whose session's sentiment is below the level is sold at the
// next open, even between rebalancings; a name under it is not bought, its place going to the
// next; news above the level, or no news, changes nothing; a stop without news is refused.
TEST(SignalStrategy, NewsEventStopSellsAtTheNextOpenAndBlocksTheEntry) {
  const auto panel = two_tickers();
  auto predictions = strategy::parse_predictions("date,ticker,score\n2024-01-02,A,0.9\n2024-01-02,B,0.1\n", "p.csv", panel);
  ASSERT_TRUE(predictions) << predictions.error().message;
  auto news_of = [&](const std::string& rows) {
    auto news = strategy::parse_predictions("date,ticker,score\n" + rows, "news.csv", panel);
    EXPECT_TRUE(news) << news.error().message;
    return *news;
  };
  // Decide once (no later predictions), so only the stop can sell.
  const strategy::SignalParams params{.top_k = 1, .gross = 0.5, .rebalance_every = 5, .event_stop = -0.5};
  auto run = [&](std::vector<strategy::Prediction> news, strategy::SignalParams p) {
    strategy::SignalStrategy signal(*predictions, p, std::move(news));
    backtest::BacktestEngine engine(panel, bare_config(), signal);
    auto record = engine.run();
    return std::make_pair(std::move(record), signal.event_stops());
  };

  // A bought at day 2's open; bad news for A in day 2's session: sold at day 3's open.
  auto [stopped, stops] = run(news_of("2024-01-03,A,-0.8\n2024-01-03,B,-0.9\n"), params);
  ASSERT_TRUE(stopped) << stopped.error().message;
  ASSERT_EQ(stopped->orders.size(), 2u);
  EXPECT_EQ(stopped->orders[0].ticker, "A");
  EXPECT_EQ(stopped->orders[0].last_update, day(2));
  EXPECT_EQ(stopped->orders[1].ticker, "A");
  EXPECT_EQ(stopped->orders[1].side, "sell");
  EXPECT_EQ(stopped->orders[1].submitted, day(2));
  EXPECT_EQ(stopped->orders[1].last_update, day(3));
  EXPECT_EQ(stops, 1u);  // B's news concerned a name not held

  // Bad news for A on the decision day: B is bought instead.
  auto [blocked, none] = run(news_of("2024-01-02,A,-0.6\n"), params);
  ASSERT_TRUE(blocked) << blocked.error().message;
  ASSERT_EQ(blocked->orders.size(), 1u);
  EXPECT_EQ(blocked->orders[0].ticker, "B");
  EXPECT_EQ(none, 0u);

  // News above the level, or on a day after nothing is held: nothing more than the first buy.
  auto [calm, zero] = run(news_of("2024-01-03,A,-0.4\n2024-01-04,A,0.9\n"), params);
  ASSERT_TRUE(calm) << calm.error().message;
  EXPECT_EQ(calm->orders.size(), 1u);
  EXPECT_EQ(zero, 0u);
  // The same without the stop at all: identical orders.
  auto [off, off_stops] = run(news_of("2024-01-03,A,-0.8\n"), {.top_k = 1, .gross = 0.5, .rebalance_every = 5});
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_EQ(off->orders.size(), 1u);

  // A stop with no news could never fire: refused rather than run unprotected.
  auto [refused, ignored] = run({}, params);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("event_stop is set but there is no news series"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace kestrel::testing
