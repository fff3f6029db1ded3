// The news collectors against a fake Alpha Vantage NEWS_SENTIMENT and a fake NewsAPI on
// 127.0.0.1: paging, the vendors' result caps, quotas, throttling, key handling, and resuming
// after a failure from the coverage the store kept.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

#include "adapters/alpha_vantage_news.hpp"
#include "adapters/news_collector.hpp"
#include "adapters/newsapi.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_news_server.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::adapters {
namespace {

using std::chrono::milliseconds;
using Status = NewsTargetOutcome::Status;
using testing::FakeArticle;
using testing::NewsFault;

const std::string kAlphaKey = "AV-N3WS-S3CR3T";
const std::string kNewsApiKey = "NEWSAPI-S3CR3T-0123";
// Monday 2024-03-04 00:00 UTC; the period crosses the switch to daylight saving (2024-03-10).
const std::int64_t kStart = std::int64_t{core::Date::from_ymd(2024, 3, 4).days()} * 86'400;
constexpr std::int64_t kDay = 86'400;

class NewsCollectorTest : public ::testing::Test {
 protected:
  NewsCollectorTest() { store_.emplace(*store::MarketStore::open(dir_ / "news.db", store::MarketStore::Access::ReadWrite)); }

  Fetcher& fetcher(int max_attempts = 3) {
    FetcherSettings settings;
    settings.retry = {max_attempts, milliseconds(5), milliseconds(20)};
    settings.secrets = {kAlphaKey, kNewsApiKey};
    fetchers_.push_back(std::make_unique<Fetcher>(
        HttpClient(*parse_base_url(server_.base_url()), {milliseconds(2000), milliseconds(5000), milliseconds(10'000)}),
        settings, clock_, [this](std::string_view line) { log_.emplace_back(line); }));
    return *fetchers_.back();
  }

  std::unique_ptr<NewsVendor> alpha(int limit = 1000, int max_attempts = 3) {
    return std::make_unique<AlphaVantageNewsClient>(fetcher(max_attempts),
                                                    AlphaVantageNewsOptions{.api_key = kAlphaKey, .limit = limit});
  }
  std::unique_ptr<NewsVendor> newsapi(std::string key = kNewsApiKey) {
    return std::make_unique<NewsApiClient>(fetcher(), NewsApiOptions{.api_key = std::move(key)});
  }

  NewsCollectReport collect(NewsVendor& vendor, const std::vector<NewsCollectTarget>& targets, std::int64_t from,
                            std::int64_t to) {
    NewsCollector collector(*store_, vendor,
                            {.from = from, .to = to, .show_progress = false,
                             .log = [this](std::string_view line) { log_.emplace_back(line); }});
    auto report = collector.run(targets);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report.value_or(NewsCollectReport{});
  }

  // The stored items about `ticker`, by url.
  std::vector<store::NewsItem> stored(const std::string& ticker) {
    auto items = store_->news({.tickers = {ticker}});
    EXPECT_TRUE(items.has_value());
    auto out = items.value_or(std::vector<store::NewsItem>{});
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.url < b.url; });
    return out;
  }

  // Every article the fake serves (not removed) is stored once, at its time, with its text.
  void expect_all_stored(const std::vector<FakeArticle>& articles, const std::string& ticker) {
    std::vector<const FakeArticle*> want;
    for (const auto& a : articles) {
      if (!a.removed) want.push_back(&a);
    }
    std::sort(want.begin(), want.end(), [](const auto* a, const auto* b) { return a->url < b->url; });
    const auto got = stored(ticker);
    ASSERT_EQ(got.size(), want.size()) << ticker;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(got[i].url, want[i]->url);
      EXPECT_EQ(got[i].published_at, want[i]->published_at) << got[i].url;
      EXPECT_EQ(got[i].title, want[i]->title);
      EXPECT_EQ(got[i].text, want[i]->summary);
    }
  }

  testing::TempDir dir_;
  testing::FakeSleepClock clock_;
  testing::FakeNewsServer server_{kAlphaKey, kNewsApiKey};
  std::optional<store::MarketStore> store_;
  std::vector<std::unique_ptr<Fetcher>> fetchers_;
  std::vector<std::string> log_;
};

TEST_F(NewsCollectorTest, NewsAlphaVantagePagesAWindowFromTheLastItemsMinute) {
  // 2,500 items, one every 5 minutes: three full pages of 1,000 at most.
  const auto articles = testing::make_articles("AAA", kStart + 30, 300, 2500);
  server_.add_articles(articles);
  auto vendor = alpha();
  const auto report = collect(*vendor, {{"AAA", ""}}, kStart, kStart + 10 * kDay);
  ASSERT_EQ(report.targets.size(), 1u);
  const auto& t = report.targets[0];
  EXPECT_EQ(t.status, Status::Collected) << t.message;
  EXPECT_EQ(t.requests, 3u);
  EXPECT_EQ(t.items_added, 2500);
  EXPECT_TRUE(t.gaps.empty());
  ASSERT_TRUE(t.covered_to.has_value());
  EXPECT_EQ(*t.covered_to, kStart + 10 * kDay);
  expect_all_stored(articles, "AAA");
  // Each request starts at the minute of the previous page's last item, oldest first.
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_NE(requests[0].find("time_from=20240303T1900"), std::string::npos) << requests[0];  // 00:00Z = 19:00 EST
  EXPECT_NE(requests[0].find("sort=EARLIEST"), std::string::npos);
  EXPECT_NE(requests[0].find("limit=1000"), std::string::npos);
  EXPECT_EQ(requests[1].find("time_from=20240303T1900"), std::string::npos) << requests[1];
  // Vendor scores are kept; the FOREX tags are not stocks.
  const auto first = stored("AAA").front();
  ASSERT_EQ(first.tickers.size(), 1u);
  EXPECT_TRUE(first.tickers[0].vendor_score.has_value());
}

TEST_F(NewsCollectorTest, NewsAlphaVantageDailyQuotaStopsTheRunAndARerunResumes) {
  const auto aaa = testing::make_articles("AAA", kStart + 30, 300, 2500);
  const auto bbb = testing::make_articles("BBB", kStart + 45, 3600, 100);
  server_.add_articles(aaa);
  server_.add_articles(bbb);
  server_.set_alpha_vantage_quota(2);  // AAA needs three requests
  auto vendor = alpha();
  const auto first = collect(*vendor, {{"AAA", ""}, {"BBB", ""}}, kStart, kStart + 10 * kDay);
  ASSERT_EQ(first.targets.size(), 2u);
  EXPECT_EQ(first.targets[0].status, Status::Failed);
  EXPECT_NE(first.targets[0].message.find("standard API rate limit is 25 requests per day"), std::string::npos)
      << first.targets[0].message;
  EXPECT_EQ(first.targets[0].message.find(kAlphaKey), std::string::npos) << first.targets[0].message;
  EXPECT_EQ(first.targets[1].status, Status::NotRun);
  EXPECT_NE(first.targets[1].message.find("quota is used up"), std::string::npos) << first.targets[1].message;
  // The quota notice is not retried: two pages and one refused request.
  EXPECT_EQ(server_.requests().size(), 3u);
  const auto kept = stored("AAA").size();
  EXPECT_GE(kept, 1900u);  // two pages, less the minute the next one starts in
  const auto covered = store_->news_coverage("alphavantage", "AAA");
  ASSERT_TRUE(covered.has_value());
  ASSERT_EQ(covered->size(), 1u);
  EXPECT_EQ((*covered)[0].covered_from, kStart);
  EXPECT_LT((*covered)[0].covered_to, kStart + 10 * kDay);

  // The next day: the rerun asks only for what is missing.
  server_.reset_quotas();
  const std::size_t before = server_.requests().size();
  const auto second = collect(*vendor, {{"AAA", ""}, {"BBB", ""}}, kStart, kStart + 10 * kDay);
  EXPECT_EQ(second.targets[0].status, Status::Collected) << second.targets[0].message;
  EXPECT_EQ(second.targets[1].status, Status::Collected) << second.targets[1].message;
  EXPECT_EQ(server_.requests().size() - before, 2u);  // one for the rest of AAA, one for BBB
  EXPECT_EQ(static_cast<std::size_t>(second.targets[0].items_added), 2500 - kept);
  expect_all_stored(aaa, "AAA");
  expect_all_stored(bbb, "BBB");

  // A third run has nothing to ask.
  const auto third = collect(*vendor, {{"AAA", ""}, {"BBB", ""}}, kStart, kStart + 10 * kDay);
  EXPECT_EQ(third.count(Status::UpToDate), 2u);
  EXPECT_EQ(server_.requests().size() - before, 2u);
}

TEST_F(NewsCollectorTest, NewsAlphaVantageBurstNoticeIsRetriedAfterABackoff) {
  const auto articles = testing::make_articles("AAA", kStart + 30, 600, 50);
  server_.add_articles(articles);
  server_.inject(NewsFault::BurstNotice);
  server_.inject(NewsFault::ServerError);
  auto vendor = alpha();
  const auto report = collect(*vendor, {{"AAA", ""}}, kStart, kStart + kDay);
  EXPECT_EQ(report.targets[0].status, Status::Collected) << report.targets[0].message;
  expect_all_stored(articles, "AAA");
  EXPECT_EQ(server_.requests().size(), 3u);
  EXPECT_EQ(clock_.sleeps().size(), 2u);  // a backoff before each retry
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.front().find("1 request per second"), std::string::npos) << log_.front();
}

TEST_F(NewsCollectorTest, NewsAlphaVantageAFullPageInOneMinuteIsReportedAsAGap) {
  // 15 items in the same minute and a page of 10: the rest of that minute cannot be paged to.
  server_.add_articles(testing::make_articles("AAA", kStart + 120, 1, 15));
  auto later = testing::make_articles("AAA", kStart + 3600, 60, 5);
  for (auto& a : later) a.url += "-later";
  server_.add_articles(later);
  auto vendor = alpha(/*limit=*/10);
  const auto report = collect(*vendor, {{"AAA", ""}}, kStart + 120, kStart + kDay);
  const auto& t = report.targets[0];
  EXPECT_EQ(t.status, Status::Collected) << t.message;
  ASSERT_EQ(t.gaps.size(), 1u);
  EXPECT_NE(t.gaps[0].find("the rest of that minute is missing"), std::string::npos) << t.gaps[0];
  EXPECT_EQ(t.items_added, 10 + 5);
}

TEST_F(NewsCollectorTest, NewsAlphaVantageUnknownTickerAndMalformedRepliesFailThatTickerOnly) {
  server_.add_articles(testing::make_articles("BBB", kStart + 30, 600, 20));
  auto vendor = alpha(1000, /*max_attempts=*/1);
  server_.inject(NewsFault::Truncated);  // the first request: BBB's
  const auto report = collect(*vendor, {{"BBB", ""}, {"ZZZ", ""}}, kStart, kStart + kDay);
  EXPECT_EQ(report.targets[0].status, Status::Failed);
  EXPECT_NE(report.targets[0].message.find("not a JSON object"), std::string::npos) << report.targets[0].message;
  // Neither stopped the vendor: a broken reply or an invalid input is about one ticker.
  EXPECT_EQ(report.targets[1].status, Status::Failed);
  EXPECT_NE(report.targets[1].message.find("Invalid inputs"), std::string::npos) << report.targets[1].message;
  EXPECT_TRUE(store_->news_coverage("alphavantage", "BBB")->empty());  // nothing claimed for a failed window
  const auto retry = collect(*vendor, {{"BBB", ""}}, kStart, kStart + kDay);
  EXPECT_EQ(retry.targets[0].status, Status::Collected);
  EXPECT_EQ(retry.targets[0].items_added, 20);
}

TEST_F(NewsCollectorTest, NewsApiPagesAndSplitsAWindowAtThePlansResultCap) {
  // 260 articles in one day, newest first in pages of 100, and at most 100 results per search.
  const auto articles = testing::make_articles("AAA", kStart + 17, 300, 260, /*with_removed=*/true);
  server_.add_articles(articles);
  server_.add_articles(testing::make_articles("BBB", kStart + 17, 300, 50));  // not found by q=AAA
  auto vendor = newsapi();
  const auto report = collect(*vendor, {{"AAA", "AAA"}}, kStart, kStart + kDay);
  const auto& t = report.targets[0];
  EXPECT_EQ(t.status, Status::Collected) << t.message;
  EXPECT_TRUE(t.gaps.empty());
  expect_all_stored(articles, "AAA");  // removed stubs skipped, the rest once each
  // Three searches of 100 (each a 426 on its second page), moving `to` back each time.
  const auto requests = server_.requests();
  EXPECT_GE(requests.size(), 5u);
  EXPECT_NE(requests[0].find("sortBy=publishedAt"), std::string::npos);
  EXPECT_NE(requests[0].find("pageSize=100"), std::string::npos);
  EXPECT_NE(requests[0].find("from=2024-03-04T00:00:00"), std::string::npos) << requests[0];
  EXPECT_NE(requests[0].find("to=2024-03-04T23:59:59"), std::string::npos) << requests[0];
  // The key travels in a header, never in the URL.
  for (const auto& r : requests) EXPECT_EQ(r.find(kNewsApiKey), std::string::npos) << r;
  for (const auto& h : server_.api_key_headers()) EXPECT_EQ(h, kNewsApiKey);
}

TEST_F(NewsCollectorTest, NewsApiRateLimitIsNotRetriedAndTheRerunResumesByWindow) {
  for (const char* t : {"AAA", "BBB"}) server_.add_articles(testing::make_articles(t, kStart + 90, 7200, 12 * 5));
  server_.set_newsapi_quota(3);  // AAA needs five windows of one day
  auto vendor = newsapi();
  const auto first = collect(*vendor, {{"AAA", ""}, {"BBB", ""}}, kStart, kStart + 5 * kDay);
  EXPECT_EQ(first.targets[0].status, Status::Failed);
  EXPECT_NE(first.targets[0].message.find("Developer accounts are limited to 100 requests over a 24 hour period"),
            std::string::npos)
      << first.targets[0].message;
  EXPECT_NE(first.targets[0].message.find("rateLimited"), std::string::npos);
  EXPECT_EQ(first.targets[1].status, Status::NotRun);
  EXPECT_EQ(server_.requests().size(), 4u);  // three windows, then one 429 that is not retried
  EXPECT_EQ(stored("AAA").size(), 36u);
  ASSERT_TRUE(first.targets[0].covered_to.has_value());
  EXPECT_EQ(*first.targets[0].covered_to, kStart + 3 * kDay);

  server_.reset_quotas();  // the next day, on a plan with room for the rest
  server_.set_newsapi_quota(100);
  const auto second = collect(*vendor, {{"AAA", ""}, {"BBB", ""}}, kStart, kStart + 5 * kDay);
  EXPECT_EQ(second.count(Status::Collected), 2u);
  EXPECT_EQ(server_.requests().size(), 4u + 2u + 5u);
  EXPECT_NE(server_.requests()[4].find("from=2024-03-07T00:00:00"), std::string::npos) << server_.requests()[4];
  EXPECT_EQ(stored("AAA").size(), 60u);
  EXPECT_EQ(stored("BBB").size(), 60u);
}

TEST_F(NewsCollectorTest, NewsApiPlanLimitsStopTheVendorWithItsOwnWords) {
  server_.add_articles(testing::make_articles("AAA", kStart + 90, 7200, 12));
  server_.set_newsapi_oldest(kStart + 2 * kDay);
  auto vendor = newsapi();
  const auto old = collect(*vendor, {{"AAA", ""}, {"BBB", ""}}, kStart, kStart + kDay);
  EXPECT_EQ(old.targets[0].status, Status::Failed);
  EXPECT_NE(old.targets[0].message.find("too far in the past. Your plan permits you to request articles as far back "
                                        "as 2024-03-06"),
            std::string::npos)
      << old.targets[0].message;
  EXPECT_EQ(old.targets[1].status, Status::NotRun);
  EXPECT_EQ(server_.requests().size(), 1u);

  auto wrong = newsapi("NOT-THE-KEY");
  const auto refused = collect(*wrong, {{"AAA", ""}}, kStart + 2 * kDay, kStart + 3 * kDay);
  EXPECT_EQ(refused.targets[0].status, Status::Failed);
  EXPECT_NE(refused.targets[0].message.find("Your API key is invalid or incorrect"), std::string::npos)
      << refused.targets[0].message;
  EXPECT_EQ(server_.requests().size(), 2u);  // a 401 is not retried
}

TEST(NewsStoreCoverage, NewsCoverageSpansMergeWhenTheyTouchAndStayApartOtherwise) {
  testing::TempDir dir;
  auto store = *store::MarketStore::open(dir / "s.db", store::MarketStore::Access::ReadWrite);
  const std::vector<store::NewsItem> none;
  ASSERT_TRUE(store.write_collected_news(none, "v", "q", {100, 200}));
  ASSERT_TRUE(store.write_collected_news(none, "v", "q", {400, 500}));
  ASSERT_TRUE(store.write_collected_news(none, "v", "other", {0, 1000}));
  auto spans = *store.news_coverage("v", "q");
  ASSERT_EQ(spans.size(), 2u);
  ASSERT_TRUE(store.write_collected_news(none, "v", "q", {200, 400}));  // touches both
  spans = *store.news_coverage("v", "q");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].covered_from, 100);
  EXPECT_EQ(spans[0].covered_to, 500);
  ASSERT_TRUE(store.write_collected_news(none, "v", "q", {50, 120}));
  spans = *store.news_coverage("v", "q");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].covered_from, 50);
  EXPECT_FALSE(store.write_collected_news(none, "v", "q", {300, 300}).has_value());  // an empty window
}

}  // namespace
}  // namespace kestrel::adapters
