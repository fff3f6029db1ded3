// When the node's own refresh from Alpaca market data asks (closed sessions only, not while
// the store has the last one, weekends waited out, at most every ten minutes) and what it writes.
#include <gtest/gtest.h>

#include "live/market_data_refresh.hpp"
#include "store/market_store.hpp"
#include "support/fake_vendor_server.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

constexpr core::UnixNanos kMinute = 60 * core::kNanosPerSecond;

struct RefreshSetup {
  TempDir dir;
  FakeVendorServer data{"unused"};
  std::vector<std::string> log;
  std::unique_ptr<live::MarketDataRefresh> refresh;

  RefreshSetup() {
    data.set_alpaca_keys("PKREFRESH", "refresh-secret");
    data.set_history("AAA", make_history(0, 40));  // weekdays from 2024-01-02
    write_file(dir / "keys", "APCA_API_KEY_ID=PKREFRESH\nAPCA_API_SECRET_KEY=refresh-secret\n");
    // A store whose universe is AAA, with no bars yet.
    auto store = store::MarketStore::open(dir / "market.db", store::MarketStore::Access::ReadWrite);
    EXPECT_TRUE(store);
    store::StoreWrite batch;
    batch.tickers.push_back(store::TickerInfo{.symbol = "AAA", .name = "A", .sector = "Tech", .industry = ""});
    EXPECT_TRUE(store->write(batch));
    backtest::BacktestConfig config;
    config.node.collect = "alpaca";
    config.node.alpaca_data_url = data.base_url();
    config.node.alpaca_key_file = dir / "keys";
    config.node.alpaca_data_calls_per_minute = 60'000;
    config.node.close_delay_minutes = 30;
    auto made = live::MarketDataRefresh::make(config, [this](const std::string& line) { log.push_back(line); });
    EXPECT_TRUE(made) << made.error().message;
    refresh = std::move(*made);
  }
  std::size_t requests() const { return data.requests().size(); }
};

// 2024-01-10 is a Wednesday; the session closes 21:00 UTC here, bars count 30 minutes later.
core::UnixNanos at(int day, int hour, int minute) {
  return core::at_time_of_day(core::Date::from_ymd(2024, 1, day), hour * 3600 + minute * 60);
}

TEST(MarketDataRefresh, AsksOnlyForClosedSessionsOncePerTenMinutesAndNotWhenTheStoreHasThem) {
  RefreshSetup s;
  const auto db = s.dir / "market.db";
  // Wednesday 21:10: Wednesday's bar is not final yet, so up to Tuesday the 9th.
  auto wrote = s.refresh->maybe_collect(db, at(10, 21, 10), std::nullopt);
  ASSERT_TRUE(wrote) << wrote.error().message;
  EXPECT_TRUE(*wrote);
  auto store = store::MarketStore::open(db, store::MarketStore::Access::ReadOnly);
  EXPECT_EQ(*store->last_date("AAA"), core::Date::from_ymd(2024, 1, 9));
  const std::size_t first = s.requests();
  EXPECT_EQ(first, 3u);  // raw, split, all
  // Five minutes later: nothing new can be asked yet (Wednesday is not final) and the store has Tuesday.
  EXPECT_FALSE(*s.refresh->maybe_collect(db, at(10, 21, 15), core::Date::from_ymd(2024, 1, 9)));
  EXPECT_EQ(s.requests(), first);
  // 21:31: Wednesday is final; the store lacks it, so Alpaca is asked.
  EXPECT_TRUE(*s.refresh->maybe_collect(db, at(10, 21, 31), core::Date::from_ymd(2024, 1, 9)));
  EXPECT_EQ(*store->last_date("AAA"), core::Date::from_ymd(2024, 1, 10));
  // Thursday 21:35, Alpaca without Thursday's bar yet: asked, nothing new, and then not again
  // for ten minutes.
  s.data.set_visible_until(core::Date::from_ymd(2024, 1, 10));
  const std::size_t before = s.requests();
  EXPECT_FALSE(*s.refresh->maybe_collect(db, at(11, 21, 35), core::Date::from_ymd(2024, 1, 10)));
  EXPECT_GT(s.requests(), before);
  const std::size_t asked = s.requests();
  EXPECT_FALSE(*s.refresh->maybe_collect(db, at(11, 21, 40), core::Date::from_ymd(2024, 1, 10)));
  EXPECT_EQ(s.requests(), asked);
  s.data.set_visible_until(std::nullopt);
  EXPECT_TRUE(*s.refresh->maybe_collect(db, at(11, 21, 46), core::Date::from_ymd(2024, 1, 10)));
  // Saturday and Sunday: Friday's bar is all there is to wait for.
  EXPECT_TRUE(*s.refresh->maybe_collect(db, at(12, 22, 0), core::Date::from_ymd(2024, 1, 11)));
  const std::size_t friday = s.requests();
  EXPECT_FALSE(*s.refresh->maybe_collect(db, at(13, 23, 0), core::Date::from_ymd(2024, 1, 12)));
  EXPECT_FALSE(*s.refresh->maybe_collect(db, at(14, 23, 0), core::Date::from_ymd(2024, 1, 12)));
  EXPECT_EQ(s.requests(), friday);
}

}  // namespace
}  // namespace kestrel::testing
