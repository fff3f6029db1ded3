#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/market_store.hpp"
#include "store/news_csv.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;
using testing::write_file;

const std::string kKestrel = KESTREL_BINARY;
const std::string kNewsSample = std::string(KESTREL_SOURCE_DIR) + "/data/news-sample/tweets-2014-sample.csv.gz";

TEST(NewsCsv, TheCashtagMustBeAWholeWord) {
  EXPECT_TRUE(mentions_cashtag("Dominion $D beats", "D"));
  EXPECT_TRUE(mentions_cashtag("dominion $d.", "D"));
  EXPECT_FALSE(mentions_cashtag("Precio del U$D hoy", "D"));  // Spanish dollars, not Dominion
  EXPECT_FALSE(mentions_cashtag("$DIS up", "D"));
  EXPECT_FALSE(mentions_cashtag("no cashtag for D here", "D"));
  EXPECT_TRUE(mentions_cashtag("$BRK buys", "BRK.B"));
  EXPECT_TRUE(mentions_cashtag("$BRK-B buys", "BRK.B"));
  EXPECT_FALSE(mentions_cashtag("$PCLN hits 1200", "BKNG"));
  EXPECT_TRUE(mentions_cashtag("$PCLN hits 1200", "BKNG", {"PCLN"}));
}

TEST(NewsCsv, ATextForSeveralTickersIsOneItemAndRepeatsAreCounted) {
  const std::string csv =
      "published_at,ticker,source,text\n"
      "2014-01-02T15:00:00+00:00,AAPL,twitter,$AAPL and $MSFT rally\n"
      "2014-01-02T15:00:00+00:00,MSFT,twitter,$AAPL and $MSFT rally\n"
      "2014-01-02T15:00:00+00:00,MSFT,twitter,$AAPL and $MSFT rally\n"
      "2014-01-02T10:00:00-05:00,D,twitter,\"El U$D sube,\nmucho\"\n"
      "2014-01-02T16:00:00Z,AAPL,twitter,\"iPhone \"\"sales\"\" $AAPL\"\n";
  auto parsed = parse_news_csv(csv, "n.csv");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->rows, 5u);
  ASSERT_EQ(parsed->items.size(), 2u);
  EXPECT_EQ(parsed->items[0].tickers.size(), 2u);
  EXPECT_EQ(parsed->items[0].published_at, 1388674800);  // 2014-01-02 15:00 UTC
  EXPECT_EQ(parsed->duplicate_rows, 1u);
  EXPECT_EQ(parsed->cashtag.at("D").skipped, 1u);
  EXPECT_EQ(parsed->items[1].text, "iPhone \"sales\" $AAPL");
  // Without the check the Spanish tweet is kept, its offset applied (10:00 EST = 15:00 UTC).
  auto unchecked = parse_news_csv(csv, "n.csv", {.require_cashtag = false, .cashtag_aliases = {}});
  ASSERT_TRUE(unchecked);
  ASSERT_EQ(unchecked->items.size(), 3u);
  EXPECT_EQ(unchecked->items[1].published_at, 1388674800);
}

TEST(NewsCsv, BadRowsNameTheFileLineAndField) {
  auto error_of = [](const std::string& body) {
    auto r = parse_news_csv("published_at,ticker,source,text,score\n"
                            "2014-01-02T15:00:00+00:00,AAPL,twitter,\"two\nlines $AAPL\",0.5\n" + body,
                            "news.csv", {.require_cashtag = false, .cashtag_aliases = {}});
    return r ? std::string("accepted") : r.error().message;
  };
  EXPECT_THAT(error_of("2014-01-02 15:00:00,AAPL,twitter,x,0\n"), HasSubstr("news.csv:4: field published_at"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00,AAPL,twitter,x,0\n"), HasSubstr("with an offset"));  // no offset: ambiguous
  EXPECT_THAT(error_of("0001-01-02T15:00:00Z,AAPL,twitter,x,0\n"), HasSubstr("outside 1900..2100"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00Z,,twitter,x,0\n"), HasSubstr("news.csv:4: field ticker"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00Z,AAPL,twitter,x,1.5\n"), HasSubstr("news.csv:4: field score"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00Z,AAPL,,x,0\n"), HasSubstr("field source"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00Z,AAPL,twitter, ,0\n"), HasSubstr("field text"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00Z,AAPL,twitter,x\n"), HasSubstr("news.csv:4: 4 fields, the header has 5"));
  EXPECT_THAT(error_of("2014-01-02T15:00:00Z,AAPL,twitter,\"never closed,0\n"), HasSubstr("news.csv:4: a quoted field is never closed"));
  // The same item for the same ticker with another score is a contradiction, not a repeat.
  EXPECT_THAT(error_of("2014-01-02T15:00:00+00:00,AAPL,twitter,\"two\nlines $AAPL\",0.25\n"), HasSubstr("different relevance or score"));
  EXPECT_EQ(error_of(""), "accepted");
  auto header = parse_news_csv("when,ticker,source,text\n", "h.csv");
  ASSERT_FALSE(header);
  EXPECT_THAT(header.error().message, HasSubstr("h.csv:1: unknown column 'when'"));
}

TEST(NewsStore, ReimportingAddsNothingAndQueriesFilterByTickerAndTime) {
  TempDir dir;
  auto store = MarketStore::open(dir / "news.db", MarketStore::Access::ReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  const std::vector<NewsItem> items = {
      {.id = news_item_id("", "twitter", 100, "a"), .published_at = 100, .source = "twitter", .url = "", .title = "",
       .text = "a", .tickers = {{.ticker = "AAPL", .relevance = 1, .vendor_score = std::nullopt},
                                {.ticker = "MSFT", .relevance = 0.5, .vendor_score = 0.25}}},
      {.id = news_item_id("https://x/1", "av", 200, "b"), .published_at = 200, .source = "av", .url = "https://x/1",
       .title = "T", .text = "b", .tickers = {{.ticker = "MSFT", .relevance = 1, .vendor_score = -0.5}}},
  };
  auto first = store->write_news(items);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->items_added, 2);
  EXPECT_EQ(first->ticker_rows_added, 3);
  auto again = store->write_news(items);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->items_added, 0);
  EXPECT_EQ(again->items_known, 2);
  EXPECT_EQ(again->ticker_rows_added, 0);
  EXPECT_EQ(again->ticker_rows_updated, 0);

  auto msft = store->news({.tickers = {"MSFT"}, .from = std::nullopt, .to = std::nullopt});
  ASSERT_TRUE(msft);
  ASSERT_EQ(msft->size(), 2u);
  EXPECT_EQ((*msft)[0].tickers.size(), 1u);  // only MSFT's row of the first item
  EXPECT_EQ((*msft)[0].tickers[0].vendor_score, 0.25);
  EXPECT_EQ((*msft)[1].tickers[0].vendor_score, -0.5);
  EXPECT_EQ((*msft)[1].title, "T");
  auto late = store->news({.tickers = {}, .from = 150, .to = std::nullopt});
  ASSERT_TRUE(late);
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].published_at, 200);
  auto summary = store->news_summary();
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->items, 2);
  EXPECT_EQ(summary->tickers, 2);
  EXPECT_EQ(summary->first_published_at, 100);
  EXPECT_EQ(summary->last_published_at, 200);
}

TEST(NewsImport, TheSampleTweetsImportOnceWithTheirCashtagsChecked) {
  TempDir dir;
  const std::string db = (dir / "news.db").string();
  const auto first = run_command(kKestrel + " news import " + kNewsSample + " --db " + db);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("21661 rows"));
  EXPECT_THAT(first.output, HasSubstr("whose text does not name the ticker's cashtag"));
  // BKNG's tweets carry its old cashtag: every row skipped, and the fix is named.
  EXPECT_THAT(first.output, HasSubstr("every row of BKNG"));
  EXPECT_THAT(first.output, HasSubstr("--cashtag-alias BKNG=OLD"));
  const auto with_alias = run_command(kKestrel + " news import " + kNewsSample + " --db " + db + " --cashtag-alias BKNG=PCLN");
  ASSERT_EQ(with_alias.exit_code, 0) << with_alias.output;
  EXPECT_THAT(with_alias.output, ::testing::Not(HasSubstr("every row of BKNG")));
  const auto again = run_command(kKestrel + " news import " + kNewsSample + " --db " + db + " --cashtag-alias BKNG=PCLN");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr(": 0 items added"));
  EXPECT_THAT(again.output, HasSubstr("item-ticker rows: 0 added, 0 updated"));
}

TEST(NewsImport, ABadFileCreatesNoStoreAndNamesTheLine) {
  TempDir dir;
  write_file(dir / "bad.csv", "published_at,ticker,source,text\n2014-01-02T15:00:00Z,AAPL,twitter,$AAPL ok\n"
                              "yesterday,AAPL,twitter,$AAPL no\n");
  const auto r = run_command(kKestrel + " news import " + (dir / "bad.csv").string() + " --db " + (dir / "n.db").string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("kestrel: error: " + (dir / "bad.csv").string() + ":3: field published_at: 'yesterday'"));
  EXPECT_FALSE(std::filesystem::exists(dir / "n.db"));
  // A file whose every row is skipped imports nothing and says so.
  write_file(dir / "none.csv", "published_at,ticker,source,text\n2014-01-02T15:00:00Z,D,twitter,U$D\n");
  const auto empty = run_command(kKestrel + " news import " + (dir / "none.csv").string() + " --db " + (dir / "n.db").string());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.output, HasSubstr("no news item to import (every row was skipped)"));
}

}  // namespace
}  // namespace kestrel::store
