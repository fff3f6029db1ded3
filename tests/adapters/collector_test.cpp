// Collector tests against a fake vendor on 127.0.0.1: formats, retries, pacing, throttling,
// malformed replies, secrets, resume after failures and incremental updates.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "adapters/alpaca_bars.hpp"
#include "adapters/alpha_vantage.hpp"
#include "adapters/collector.hpp"
#include "adapters/yahoo.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_vendor_server.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::adapters {
namespace {

using testing::FakeDay;
using testing::Fault;
using Status = TickerOutcome::Status;
using std::chrono::milliseconds;

const std::string kKey = "K3STR3L-T3ST-K3Y";
const std::string kAlpacaKeyId = "PKTESTKEYID0000000001";        // the fake's default pair
const std::string kAlpacaSecret = "alpaca-secret/with+symbols=";
const std::vector<std::string> kTickers = {"AAA", "BBB", "CCC", "DDD", "EEE"};
constexpr int kHistoryDays = 160;

struct VendorSetup {
  AlphaVantageOptions::DataType datatype = AlphaVantageOptions::DataType::Json;
  int max_attempts = 3;
  double calls_per_minute = 0;
  milliseconds read_timeout{5000};
  int compact_max_gap_days = 120;
  milliseconds deadline{10'000};
  std::size_t max_reply_bytes = kDefaultMaxReplyBytes;
  // The premium function by default: most tests check adjusted closes and corporate actions.
  AlphaVantageOptions::Function function = AlphaVantageOptions::Function::DailyAdjusted;
};

// The store holds exactly the fake vendor's history for `ticker` (up to `until`): every day,
// once, with identical values, and its splits — and its dividends when the vendor reports them
// as corporate actions (Alpha Vantage, Yahoo; Alpaca only adjusts the closes for them).
void expect_stored_history(store::MarketStore& store, const testing::FakeVendorServer& server, const std::string& ticker,
                           std::optional<core::Date> until, bool with_dividends) {
  std::vector<FakeDay> expected;
  for (const FakeDay& d : server.history(ticker)) {
    if (!until || d.bar.date <= *until) expected.push_back(d);
  }
  auto bars = store.bars(ticker);
  ASSERT_TRUE(bars.has_value()) << bars.error().message;
  ASSERT_EQ(bars->size(), expected.size()) << ticker;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const store::Bar& got = (*bars)[i];
    const store::Bar& want = expected[i].bar;
    ASSERT_EQ(got.date, want.date) << ticker << " row " << i;  // exchange days (New York, across DST)
    EXPECT_EQ(got.open, want.open);
    EXPECT_EQ(got.high, want.high);
    EXPECT_EQ(got.low, want.low);
    EXPECT_EQ(got.close, want.close);
    EXPECT_EQ(got.adj_close, want.adj_close);
    EXPECT_EQ(got.volume, want.volume);
  }
  auto actions = store.corporate_actions(ticker);
  ASSERT_TRUE(actions.has_value());
  std::vector<store::CorporateAction> want;
  for (const FakeDay& d : expected) {
    const double dividend = with_dividends ? d.dividend : 0.0;
    if (dividend != 0 || d.split != 1) want.push_back({d.bar.date, dividend, d.split});
  }
  ASSERT_EQ(actions->size(), want.size()) << ticker;
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*actions)[i].date, want[i].date);
    EXPECT_EQ((*actions)[i].dividend, want[i].dividend);
    EXPECT_EQ((*actions)[i].split_coefficient, want[i].split_coefficient);
  }
}

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest() : server_(kKey, &clock_) {
    for (std::size_t i = 0; i < kTickers.size(); ++i) {
      server_.set_history(kTickers[i], testing::make_history(static_cast<int>(i), kHistoryDays));
    }
    store_.emplace(*store::MarketStore::open(dir_ / "store.db", store::MarketStore::Access::ReadWrite));
  }

  core::Date last_day() const { return server_.history("AAA").back().bar.date; }

  Fetcher& make_fetcher(const VendorSetup& setup) {
    FetcherSettings settings;
    settings.retry = {setup.max_attempts, milliseconds(5), milliseconds(20)};
    settings.calls_per_minute = setup.calls_per_minute;
    settings.secrets = {kKey, kAlpacaKeyId, kAlpacaSecret};
    auto base = parse_base_url(server_.base_url());
    fetchers_.push_back(std::make_unique<Fetcher>(
        HttpClient(*base, {milliseconds(2000), setup.read_timeout, setup.deadline}, setup.max_reply_bytes),
        settings, clock_,
        [this](std::string_view line) { log_.emplace_back(line); }));
    return *fetchers_.back();
  }

  AlphaVantageClient& alpha(const VendorSetup& setup = {}) {
    AlphaVantageOptions options{kKey, setup.datatype, setup.compact_max_gap_days, setup.function};
    vendors_.push_back(std::make_unique<AlphaVantageClient>(make_fetcher(setup), options));
    return static_cast<AlphaVantageClient&>(*vendors_.back());
  }

  AlpacaBarsClient& alpaca(const VendorSetup& setup = {}, int page_limit = 10'000, std::string secret = kAlpacaSecret) {
    AlpacaBarsOptions options{.key_id = kAlpacaKeyId, .secret_key = std::move(secret), .feed = "sip",
                              .page_limit = page_limit, .first_date = core::Date::from_ymd(2016, 1, 1)};
    vendors_.push_back(std::make_unique<AlpacaBarsClient>(make_fetcher(setup), options,
                                                          [this](std::string_view line) { log_.emplace_back(line); }));
    return static_cast<AlpacaBarsClient&>(*vendors_.back());
  }

  YahooClient& yahoo(const VendorSetup& setup = {}) {
    vendors_.push_back(std::make_unique<YahooClient>(make_fetcher(setup)));
    return static_cast<YahooClient&>(*vendors_.back());
  }

  CollectReport collect(DailyBarVendor& vendor, const std::vector<std::string>& tickers,
                        DailyBarVendor* fallback = nullptr, std::optional<core::Date> today = {}) {
    Collector collector(*store_, vendor, fallback,
                        {.today = today.value_or(last_day()), .show_progress = false,
                         .log = [this](std::string_view line) { log_.emplace_back(line); }});
    auto report = collector.run(tickers);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report.value_or(CollectReport{});
  }

  const TickerOutcome& outcome(const CollectReport& report, const std::string& ticker) {
    auto it = std::find_if(report.tickers.begin(), report.tickers.end(),
                           [&](const TickerOutcome& t) { return t.ticker == ticker; });
    EXPECT_NE(it, report.tickers.end()) << ticker;
    return *it;
  }

  // The store holds exactly the vendor's history for `ticker` (up to `until`): every day,
  // once, with identical values, and its dividends and splits.
  void expect_store_matches(const std::string& ticker, std::optional<core::Date> until = {}) {
    expect_stored_history(*store_, server_, ticker, until, /*with_dividends=*/true);
  }

  std::size_t stored_rows(const std::string& ticker) { return store_->bars(ticker)->size(); }

  testing::TempDir dir_;
  testing::FakeSleepClock clock_;
  testing::FakeVendorServer server_;
  std::optional<store::MarketStore> store_;
  std::vector<std::string> log_;
  std::vector<std::unique_ptr<Fetcher>> fetchers_;
  std::vector<std::unique_ptr<DailyBarVendor>> vendors_;
};

TEST_F(CollectorTest, AlphaVantageJsonHappyPath) {
  const auto report = collect(alpha(), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    const auto& t = outcome(report, ticker);
    EXPECT_EQ(t.status, Status::Updated) << t.message;
    EXPECT_EQ(t.vendor, "alphavantage");
    EXPECT_EQ(t.new_rows, kHistoryDays);
    EXPECT_EQ(t.last_date, last_day());
    expect_store_matches(ticker);
  }
  // Nothing stored yet: the whole history was asked for, as JSON.
  for (const auto& r : server_.requests()) {
    EXPECT_EQ(r.outputsize, "full");
    EXPECT_EQ(r.datatype, "json");
  }
  EXPECT_FALSE(store_->corporate_actions("BBB")->empty());  // BBB has a split
}

TEST_F(CollectorTest, AlphaVantageCsvHappyPath) {
  const auto report = collect(alpha({.datatype = AlphaVantageOptions::DataType::Csv}), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated) << outcome(report, ticker).message;
    expect_store_matches(ticker);
  }
  EXPECT_EQ(server_.requests().front().datatype, "csv");
}

// Requests that went to a path starting with `path`, in order.
std::vector<testing::SeenRequest> requests_under(const testing::FakeVendorServer& server, std::string_view path) {
  std::vector<testing::SeenRequest> out;
  for (const auto& r : server.requests()) {
    if (r.path.starts_with(path)) out.push_back(r);
  }
  return out;
}

TEST_F(CollectorTest, YahooChartHappyPathWithSessionEventsAndNullDays) {
  server_.add_yahoo_null_row(core::Date::from_ymd(2024, 1, 13));  // a day of nulls, as Yahoo shows some
  const auto report = collect(yahoo(), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated) << outcome(report, ticker).message;
    EXPECT_EQ(outcome(report, ticker).vendor, "yahoo");
    expect_store_matches(ticker);  // bars, adjusted closes, dividends and BBB's 2:1 split
  }
  EXPECT_FALSE(store_->corporate_actions("BBB")->empty());
  // One session for the run: the cookie page, one crumb, then the chart for each ticker.
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].path, "/");
  EXPECT_EQ(seen[1].path, "/v1/test/getcrumb");
  EXPECT_EQ(seen[2].path, "/v8/finance/chart/AAA");
  EXPECT_EQ(seen[2].period1, "-2208988800");  // nothing stored: from 1900, as Yahoo's "max" does
  EXPECT_EQ(seen[3].path, "/v8/finance/chart/BBB");
  EXPECT_EQ(server_.yahoo_crumbs_issued(), 1);
  EXPECT_TRUE(requests_under(server_, "/v7").empty());  // the closed CSV download is never asked
}

TEST_F(CollectorTest, YahooStaleCrumbGetsOneFreshSession) {
  server_.inject("AAA", Fault::StaleCrumb, 1);
  const auto report = collect(yahoo({.max_attempts = 1}), {"AAA", "BBB"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
  EXPECT_EQ(outcome(report, "BBB").status, Status::Updated) << outcome(report, "BBB").message;
  EXPECT_EQ(server_.yahoo_crumbs_issued(), 2);
  EXPECT_EQ(requests_under(server_, "/v8/finance/chart/AAA").size(), 2u);
  const auto seen = server_.requests();
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(), [](const auto& r) { return r.path == "/"; }), 2);  // 2 cookies
  expect_store_matches("AAA");
}

TEST_F(CollectorTest, YahooRefusingFreshSessionsStopsYahooForTheRun) {
  server_.inject("AAA", Fault::StaleCrumb, -1);
  const auto report = collect(yahoo(), {"AAA", "BBB"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("yahoo AAA: Yahoo refused the session (HTTP 401: Unauthorized: Invalid Crumb) again "
                           "with a fresh cookie and crumb (GET "),
            std::string::npos)
      << a.message;
  EXPECT_NE(a.message.find("crumb=***"), std::string::npos) << a.message;
  EXPECT_EQ(a.message.find("Xq7.kT"), std::string::npos) << a.message;  // the crumb is a secret too
  EXPECT_EQ(requests_under(server_, "/v8/finance/chart/AAA").size(), 2u);
  EXPECT_EQ(outcome(report, "BBB").status, Status::NotRun);
  EXPECT_EQ(outcome(report, "BBB").message,
            "skipped: yahoo refused access for this run (the key's plan or the session)");
}

TEST_F(CollectorTest, YahooWithoutACookieSaysSo) {
  server_.withhold_yahoo_cookie(true);
  const auto report = collect(yahoo(), {"AAA"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("yahoo AAA: " + server_.base_url() + "/ set no cookie (HTTP 404)"), std::string::npos)
      << a.message;
  EXPECT_TRUE(requests_under(server_, "/v1/test/getcrumb").empty());
}

TEST_F(CollectorTest, YahooAdjustmentChangeRewritesTheHistory) {
  const core::Date earlier = server_.history("AAA")[kHistoryDays - 6].bar.date;
  server_.set_visible_until(earlier);
  collect(yahoo(), {"AAA"}, nullptr, earlier);
  server_.set_visible_until(std::nullopt);
  server_.shift_adjusted_closes("AAA", -0.5);
  const auto report = collect(yahoo(), {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Readjusted) << outcome(report, "AAA").message;
  expect_store_matches("AAA");
}

// The store holds the fake's bars for `ticker` as Alpaca serves them: raw prices and volume,
// the fully adjusted close, and the splits (Alpaca's bars carry no dividends).
void expect_alpaca_store_matches(store::MarketStore& store, const testing::FakeVendorServer& server,
                                 const std::string& ticker, std::optional<core::Date> until = {}) {
  expect_stored_history(store, server, ticker, until, /*with_dividends=*/false);
}

TEST_F(CollectorTest, AlpacaBarsRawSplitAndAdjustedPassesPagedWithKeysInHeadersOnly) {
  const auto report = collect(alpaca({}, 50), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated) << outcome(report, ticker).message;
    EXPECT_EQ(outcome(report, ticker).vendor, "alpaca");
    expect_alpaca_store_matches(*store_, server_, ticker);
  }
  // BBB's 2:1 split came from the split-adjusted pass.
  ASSERT_EQ(store_->corporate_actions("BBB")->size(), 1u);
  // 160 days in pages of 50: 4 pages for each of the raw, split and all passes, per ticker.
  const auto seen = requests_under(server_, "/v2/stocks/bars");
  ASSERT_EQ(seen.size(), 24u);
  int raw = 0, split = 0, all = 0, paged = 0;
  for (const auto& r : seen) {
    EXPECT_NE(r.query.find("timeframe=1Day"), std::string::npos) << r.query;
    EXPECT_NE(r.query.find("feed=sip"), std::string::npos) << r.query;
    EXPECT_NE(r.query.find("start=2016-01-01"), std::string::npos) << r.query;  // nothing stored yet
    EXPECT_EQ(r.query.find(kAlpacaKeyId), std::string::npos) << r.query;
    EXPECT_EQ(r.query.find("secret"), std::string::npos) << r.query;
    raw += r.query.find("adjustment=raw") != std::string::npos;
    split += r.query.find("adjustment=split") != std::string::npos;
    all += r.query.find("adjustment=all") != std::string::npos;
    paged += r.query.find("page_token=") != std::string::npos;
  }
  EXPECT_EQ(raw, 8);
  EXPECT_EQ(split, 8);
  EXPECT_EQ(all, 8);
  EXPECT_EQ(paged, 18);
}

TEST_F(CollectorTest, AlpacaFreePlanRecentSipDataEndsTheDayBefore) {
  // The free plan refuses SIP data of the last 15 minutes: a run on the day of the last session
  // gets every bar but that one, with one refusal for the whole run, and says so.
  server_.set_alpaca_plan(false, last_day());
  const auto report = collect(alpaca(), {"AAA", "BBB"});
  const core::Date day_before = server_.history("AAA")[kHistoryDays - 2].bar.date;
  for (const auto& ticker : {"AAA", "BBB"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated) << outcome(report, ticker).message;
    expect_alpaca_store_matches(*store_, server_, ticker, day_before);
  }
  const auto seen = requests_under(server_, "/v2/stocks/bars");
  ASSERT_EQ(seen.size(), 7u);  // the refused request, then 3 passes for each ticker
  EXPECT_NE(seen[0].query.find("end=" + last_day().to_string()), std::string::npos) << seen[0].query;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_NE(seen[i].query.find("end=" + (last_day() - 1).to_string()), std::string::npos) << seen[i].query;
  }
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("subscription does not permit querying recent SIP data"), std::string::npos) << log_.back();
  // A subscriber gets the last session too, on the next run.
  server_.set_alpaca_plan(true, last_day());
  const auto next = collect(alpaca(), {"AAA"});
  EXPECT_EQ(outcome(next, "AAA").new_rows, 1);
  expect_alpaca_store_matches(*store_, server_, "AAA");
}

TEST_F(CollectorTest, AlpacaRefusingTheKeysStopsAlpacaForTheRunWithoutLeakingThem) {
  const auto report = collect(alpaca({}, 10'000, "wrong-secret"), {"AAA", "BBB"});
  const auto& first = outcome(report, "AAA");
  EXPECT_EQ(first.status, Status::Failed);
  EXPECT_NE(first.message.find("HTTP 403 \"forbidden\""), std::string::npos) << first.message;
  EXPECT_EQ(outcome(report, "BBB").status, Status::NotRun) << outcome(report, "BBB").message;
  EXPECT_EQ(requests_under(server_, "/v2/stocks/bars").size(), 1u);  // never asked again this run
  for (const auto& t : report.tickers) EXPECT_EQ(t.message.find(kAlpacaKeyId), std::string::npos) << t.message;
  for (const auto& line : log_) EXPECT_EQ(line.find(kAlpacaKeyId), std::string::npos) << line;
}

TEST_F(CollectorTest, AlpacaThrottlingAndServerErrorsAreRetried) {
  server_.inject("AAA", Fault::TooManyRequests, 1);
  server_.inject("BBB", Fault::ServerError, 2);
  const auto report = collect(alpaca({.max_attempts = 3}), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated) << outcome(report, ticker).message;
    expect_alpaca_store_matches(*store_, server_, ticker);
  }
  bool said_429 = false;
  for (const auto& line : log_) said_429 = said_429 || line.find("HTTP 429: {\"message\":\"too many requests.\"}") != std::string::npos;
  EXPECT_TRUE(said_429) << ::testing::PrintToString(log_);
}

TEST_F(CollectorTest, AlpacaUnknownSymbolAndMalformedRepliesFailOnlyThatTicker) {
  server_.inject("BBB", Fault::TruncatedJson, 1);
  const auto report = collect(alpaca({.max_attempts = 1}), {"ZZZ", "BBB", "AAA"});
  EXPECT_EQ(outcome(report, "ZZZ").status, Status::Failed);
  EXPECT_NE(outcome(report, "ZZZ").message.find("no bars from 2016-01-01"), std::string::npos)
      << outcome(report, "ZZZ").message;
  EXPECT_EQ(outcome(report, "BBB").status, Status::Failed);
  EXPECT_NE(outcome(report, "BBB").message.find("not a JSON object"), std::string::npos) << outcome(report, "BBB").message;
  EXPECT_EQ(stored_rows("BBB"), 0u);
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
}

TEST_F(CollectorTest, AlpacaAppendsNewDaysAndRewritesARebasedHistory) {
  const core::Date earlier = server_.history("AAA")[kHistoryDays - 6].bar.date;
  server_.set_visible_until(earlier);
  collect(alpaca(), {"AAA", "BBB"}, nullptr, earlier);
  server_.set_visible_until(std::nullopt);
  server_.shift_adjusted_closes("AAA", -0.5);  // a dividend re-based AAA's adjusted closes
  const auto report = collect(alpaca(), {"AAA", "BBB"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Readjusted) << outcome(report, "AAA").message;
  EXPECT_EQ(outcome(report, "BBB").status, Status::Updated) << outcome(report, "BBB").message;
  EXPECT_EQ(outcome(report, "BBB").new_rows, 5);
  expect_alpaca_store_matches(*store_, server_, "AAA");
  expect_alpaca_store_matches(*store_, server_, "BBB");
  // The update asked from the last stored day, not from the beginning.
  const auto seen = requests_under(server_, "/v2/stocks/bars");
  EXPECT_NE(seen.back().query.find("start=" + earlier.to_string()), std::string::npos) << seen.back().query;
}

TEST(FakeYahoo, ClosedDownloadAnswersAsYahooDoes) {
  testing::FakeVendorServer server("unused");
  HttpClient http(*parse_base_url(server.base_url()), {});
  const auto reply = http.get("/v7/finance/download/AAPL?period1=0&period2=86400&interval=1d&events=history");
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(reply->body,
            R"({"finance":{"result":null,"error":{"code":"Unauthorized","description":"User is not logged in"}}})");
}

TEST_F(CollectorTest, RetriesServerErrorsThenSucceeds) {
  server_.inject("AAA", Fault::ServerError, 2);
  const auto report = collect(alpha({.max_attempts = 3}), {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
  EXPECT_EQ(server_.request_count("AAA"), 3u);
  // Exponential backoff through the injected clock: 5 ms, then 10 ms.
  EXPECT_EQ(clock_.sleeps(), (std::vector<milliseconds>{milliseconds(5), milliseconds(10)}));
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_NE(log_[0].find("HTTP 503"), std::string::npos) << log_[0];
  expect_store_matches("AAA");
}

TEST_F(CollectorTest, RetriesSlowReplyBeyondReadTimeout) {
  server_.inject("AAA", Fault::Slow, 1);
  const auto report = collect(alpha({.max_attempts = 2, .read_timeout = milliseconds(200)}), {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
  EXPECT_EQ(server_.request_count("AAA"), 2u);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("timed out"), std::string::npos) << log_[0];
  expect_store_matches("AAA");
}

TEST_F(CollectorTest, TrickledReplyIsCutAtTheDeadlineAndRetried) {
  server_.inject("AAA", Fault::Trickle, 1);
  const auto report = collect(alpha({.max_attempts = 2, .deadline = milliseconds(1000)}), {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
  EXPECT_EQ(server_.request_count("AAA"), 2u);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("alphavantage AAA: attempt 1/2 failed (reply from " + server_.base_url() +
                         " exceeded the 1 s deadline)"),
            std::string::npos)
      << log_[0];
  expect_store_matches("AAA");
}

TEST_F(CollectorTest, OversizedReplyFailsTheTickerWithoutRetry) {
  server_.inject("AAA", Fault::Oversized, -1);
  const auto report = collect(alpha({.max_attempts = 3, .max_reply_bytes = std::size_t{1} << 20}), {"AAA", "BBB"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("alphavantage AAA: reply from " + server_.base_url() + " is larger than 1 MiB (GET "),
            std::string::npos)
      << a.message;
  EXPECT_EQ(server_.request_count("AAA"), 1u);
  EXPECT_EQ(outcome(report, "BBB").status, Status::Updated);  // a big reply stops nothing else
}

TEST_F(CollectorTest, GivesUpAfterMaxAttemptsWithClearError) {
  server_.inject("BBB", Fault::ServerError, -1);
  const auto report = collect(alpha({.max_attempts = 3}), {"AAA", "BBB", "CCC"});
  const auto& b = outcome(report, "BBB");
  EXPECT_EQ(b.status, Status::Failed);
  EXPECT_NE(b.message.find("alphavantage BBB: gave up after 3 attempt(s): HTTP 503"), std::string::npos)
      << b.message;
  EXPECT_EQ(server_.request_count("BBB"), 3u);
  EXPECT_EQ(stored_rows("BBB"), 0u);
  // A server failure for one ticker does not stop the others.
  EXPECT_EQ(outcome(report, "CCC").status, Status::Updated);
  expect_store_matches("CCC");
}

TEST_F(CollectorTest, RateLimitSpacesCallsEvenly) {
  server_.inject("BBB", Fault::ServerError, 1);  // a retry is paced like any other call
  collect(alpha({.max_attempts = 3, .calls_per_minute = 120}), {"AAA", "BBB", "CCC"});
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 4u);
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].clock_ms - seen[i - 1].clock_ms, 500) << "request " << i;
  }
  // 60 s / 120 = 500 ms between starts; the retry's 5 ms backoff is absorbed by the spacing.
  EXPECT_EQ(seen.back().clock_ms - seen.front().clock_ms, 1500);
}

TEST_F(CollectorTest, ThrottleNoticesInA200BodyAreRetried) {
  server_.inject("AAA", Fault::Note, 1);
  server_.inject("AAA", Fault::Information, 1);
  const auto report = collect(alpha({.max_attempts = 3}), {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
  EXPECT_EQ(server_.request_count("AAA"), 3u);
  ASSERT_EQ(log_.size(), 2u);
  EXPECT_NE(log_[0].find("throttled: Thank you for using Alpha Vantage"), std::string::npos) << log_[0];
  expect_store_matches("AAA");
}

TEST_F(CollectorTest, DailyQuotaNoticeStopsTheRunWithoutRetry) {
  server_.inject("BBB", Fault::DailyLimit, -1);
  const auto report = collect(alpha({.max_attempts = 4}), {"AAA", "BBB", "CCC"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated);
  const auto& b = outcome(report, "BBB");
  EXPECT_EQ(b.status, Status::Failed);
  EXPECT_NE(b.message.find("alphavantage BBB: quota used up: Thank you for using Alpha Vantage! Our standard "
                           "API rate limit is 25 requests per day."),
            std::string::npos)
      << b.message;
  EXPECT_EQ(server_.request_count("BBB"), 1u);  // asking again today only burns requests
  EXPECT_EQ(outcome(report, "CCC").status, Status::NotRun);
  EXPECT_EQ(server_.request_count("CCC"), 0u);
  // No retry to log, only why Alpha Vantage is not asked again.
  EXPECT_EQ(log_, std::vector<std::string>{
                      "alphavantage's request quota for today is used up; not asking alphavantage again in this run"});
}

TEST_F(CollectorTest, FreeKeyCollectsTheUnadjustedCompactSeries) {
  server_.set_premium(false);
  const auto report = collect(alpha({.function = AlphaVantageOptions::Function::Daily}), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    const auto& t = outcome(report, ticker);
    EXPECT_EQ(t.status, Status::Updated) << t.message;
    EXPECT_EQ(t.new_rows, 100);  // compact: the latest 100 sessions are all a free key gets
    const auto& history = server_.history(ticker);
    const auto bars = *store_->bars(ticker);
    ASSERT_EQ(bars.size(), 100u);
    for (std::size_t i = 0; i < bars.size(); ++i) {
      const store::Bar& want = history[history.size() - 100 + i].bar;
      ASSERT_EQ(bars[i].date, want.date);
      EXPECT_EQ(bars[i].open, want.open);
      EXPECT_EQ(bars[i].close, want.close);
      EXPECT_EQ(bars[i].adj_close, want.close);  // as traded: no adjustment in this function
      EXPECT_EQ(bars[i].volume, want.volume);
    }
    EXPECT_TRUE(store_->corporate_actions(ticker)->empty());
  }
  for (const auto& r : server_.requests()) {
    EXPECT_EQ(r.function, "TIME_SERIES_DAILY");
    EXPECT_EQ(r.outputsize, "compact");
  }
}

TEST_F(CollectorTest, FreeKeyAppendsNewDaysInBothFormats) {
  server_.set_premium(false);
  const core::Date earlier = server_.history("AAA")[kHistoryDays - 11].bar.date;
  server_.set_visible_until(earlier);
  collect(alpha({.function = AlphaVantageOptions::Function::Daily}), {"AAA"}, nullptr, earlier);
  server_.set_visible_until(std::nullopt);
  const auto report = collect(
      alpha({.datatype = AlphaVantageOptions::DataType::Csv, .function = AlphaVantageOptions::Function::Daily}),
      {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated) << outcome(report, "AAA").message;
  EXPECT_EQ(outcome(report, "AAA").new_rows, 10);
  EXPECT_EQ(stored_rows("AAA"), 110u);
  EXPECT_EQ(store_->bars("AAA")->back().adj_close, server_.history("AAA").back().bar.close);
  EXPECT_EQ(server_.requests().back().datatype, "csv");
}

TEST_F(CollectorTest, FreeKeyGapBeyondTheCompactWindowFailsClearly) {
  server_.set_premium(false);
  const core::Date early = server_.history("AAA")[20].bar.date;
  server_.set_visible_until(early);
  collect(alpha({.function = AlphaVantageOptions::Function::Daily}), {"AAA"}, nullptr, early);
  ASSERT_EQ(stored_rows("AAA"), 21u);
  server_.set_visible_until(std::nullopt);
  const auto report = collect(alpha({.function = AlphaVantageOptions::Function::Daily}), {"AAA"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("alphavantage AAA: TIME_SERIES_DAILY with outputsize=compact (the free tier) "
                           "reaches back only to " + server_.history("AAA")[60].bar.date.to_string() +
                           ", and the last stored day is " + early.to_string()),
            std::string::npos)
      << a.message;
  EXPECT_EQ(stored_rows("AAA"), 21u);  // no gap written
  EXPECT_EQ(server_.requests().back().outputsize, "compact");  // "full" would get a premium notice
}

TEST_F(CollectorTest, FreeKeyOnThePremiumFunctionStopsAtTheFirstNotice) {
  server_.set_premium(false);
  const auto report = collect(alpha({.max_attempts = 4}), {"AAA", "BBB"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("alphavantage AAA: not covered by the key's plan: Thank you for using Alpha "
                           "Vantage! This is a premium endpoint."),
            std::string::npos)
      << a.message;
  EXPECT_EQ(server_.request_count("AAA"), 1u);  // not retried as throttling
  EXPECT_EQ(outcome(report, "BBB").status, Status::NotRun);  // BBB would get the same answer
  EXPECT_EQ(server_.request_count("BBB"), 0u);
}

TEST_F(CollectorTest, PersistentThrottlingStopsTheRun) {
  server_.inject("BBB", Fault::Note, -1);
  const auto report = collect(alpha({.max_attempts = 2}), {"AAA", "BBB", "CCC"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated);
  EXPECT_EQ(outcome(report, "BBB").status, Status::Failed);
  EXPECT_NE(outcome(report, "BBB").message.find("throttled"), std::string::npos);
  EXPECT_EQ(outcome(report, "CCC").status, Status::NotRun);
  EXPECT_EQ(outcome(report, "CCC").message, "skipped: alphavantage is throttling this run");
  EXPECT_EQ(server_.request_count("CCC"), 0u);  // no quota burnt on it
}

TEST_F(CollectorTest, UnknownSymbolIsReportedWithoutRetry) {
  const auto report = collect(alpha({.max_attempts = 4}), {"ZZZZ"});
  const auto& z = outcome(report, "ZZZZ");
  EXPECT_EQ(z.status, Status::Failed);
  EXPECT_NE(z.message.find("alphavantage ZZZZ: vendor error: Invalid API call"), std::string::npos)
      << z.message;
  EXPECT_EQ(server_.request_count("ZZZZ"), 1u);
}

TEST_F(CollectorTest, YahooUnknownSymbolIsAPermanentTickerError) {
  const auto report = collect(yahoo({.max_attempts = 4}), {"ZZZZ", "AAA"});
  const auto& z = outcome(report, "ZZZZ");
  EXPECT_EQ(z.status, Status::Failed);
  EXPECT_NE(z.message.find("yahoo ZZZZ: vendor error: Not Found: No data found, symbol may be delisted (GET "),
            std::string::npos)
      << z.message;
  EXPECT_EQ(server_.request_count("ZZZZ"), 1u);
  EXPECT_EQ(outcome(report, "AAA").status, Status::Updated);  // one ticker's error stops nothing
}

TEST_F(CollectorTest, MalformedBodiesLeaveTheStoreUnchangedForThatTicker) {
  const core::Date earlier = last_day() - 14;
  server_.set_visible_until(earlier);
  collect(alpha(), {"AAA", "BBB"}, nullptr, earlier);
  const auto a_before = *store_->bars("AAA");
  ASSERT_FALSE(a_before.empty());

  server_.set_visible_until(std::nullopt);
  server_.inject("AAA", Fault::TruncatedJson, 1);
  server_.inject("CCC", Fault::TextInNumber, 1);
  const auto report = collect(alpha(), {"AAA", "BBB", "CCC"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("alphavantage AAA (json): body is not valid JSON"), std::string::npos)
      << a.message;
  const auto& c = outcome(report, "CCC");
  EXPECT_EQ(c.status, Status::Failed);
  EXPECT_NE(c.message.find("alphavantage CCC (json): " + last_day().to_string() +
                           ": field '4. close': \"abc"),
            std::string::npos)
      << c.message;
  EXPECT_EQ(server_.request_count("AAA"), 2u);  // first run + one: a malformed body is not retried
  // AAA holds exactly what the first run wrote; CCC got nothing; BBB went ahead.
  const auto a_after = *store_->bars("AAA");
  ASSERT_EQ(a_after.size(), a_before.size());
  for (std::size_t i = 0; i < a_after.size(); ++i) {
    EXPECT_EQ(a_after[i].date, a_before[i].date);
    EXPECT_EQ(a_after[i].adj_close, a_before[i].adj_close);
  }
  EXPECT_EQ(stored_rows("CCC"), 0u);
  EXPECT_EQ(outcome(report, "BBB").status, Status::Updated);
  expect_store_matches("BBB");
}

TEST_F(CollectorTest, MalformedCsvNamesTickerLineAndField) {
  server_.inject("AAA", Fault::TextInNumber, 1);
  const auto report = collect(alpha({.datatype = AlphaVantageOptions::DataType::Csv}), {"AAA"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("alphavantage AAA (csv):2:"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("field 'close'"), std::string::npos) << a.message;
  EXPECT_EQ(stored_rows("AAA"), 0u);
}

TEST_F(CollectorTest, MalformedYahooChartIsReportedAndNotStored) {
  server_.inject("AAA", Fault::TextInNumber, 1);
  server_.inject("BBB", Fault::TruncatedJson, 1);
  const auto report = collect(yahoo(), {"AAA", "BBB"});
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_EQ(a.message, "yahoo AAA (chart): " + last_day().to_string() + ": field 'close': \"abc\" is not a number");
  EXPECT_NE(outcome(report, "BBB").message.find("yahoo BBB (chart): body is not valid JSON"), std::string::npos);
  EXPECT_EQ(stored_rows("AAA"), 0u);
  EXPECT_EQ(stored_rows("BBB"), 0u);
}

TEST_F(CollectorTest, ApiKeyNeverAppearsInErrorsOrLogs) {
  server_.inject("AAA", Fault::ServerError, 1);
  server_.inject("AAA", Fault::EchoRequest, 1);  // the vendor echoes the URL, key and all
  server_.inject("BBB", Fault::ServerError, -1);
  const auto report = collect(alpha({.max_attempts = 2}), {"AAA", "BBB"});
  ASSERT_EQ(outcome(report, "AAA").status, Status::Failed);
  ASSERT_EQ(outcome(report, "BBB").status, Status::Failed);
  std::vector<std::string> texts = log_;
  for (const auto& t : report.tickers) texts.push_back(t.message);
  bool saw_redacted_url = false;
  for (const auto& text : texts) {
    EXPECT_EQ(text.find(kKey), std::string::npos) << text;
    saw_redacted_url |= text.find("apikey=***") != std::string::npos;
  }
  EXPECT_TRUE(saw_redacted_url);  // the URL is still there to act on, minus the key
  EXPECT_NE(outcome(report, "AAA").message.find("Invalid API call for /query"), std::string::npos);
}

// A key containing '&', a space and '+' travels URL-encoded and comes back decoded in the
// vendor's echo; neither form, nor any part of the key after those characters, may leak.
TEST(CollectorSecrets, KeyWithAmpersandAndSpaceNeverLeaks) {
  const std::string key = "Q7x&Zk9 Wm2+Pv4";
  testing::FakeSleepClock clock;
  testing::FakeVendorServer server(key, &clock);
  server.set_history("AAA", testing::make_history(0, 20));
  server.inject("AAA", Fault::ServerError, 1);
  server.inject("AAA", Fault::EchoRequest, 1);
  std::vector<std::string> texts;
  FetcherSettings settings;
  settings.retry = {2, milliseconds(5), milliseconds(5)};
  settings.secrets = {key};
  Fetcher fetcher(HttpClient(*parse_base_url(server.base_url()), {}), settings, clock,
                  [&](std::string_view line) { texts.emplace_back(line); });
  AlphaVantageClient vendor(fetcher, {.api_key = key});
  const auto result = vendor.fetch_daily({"AAA", std::nullopt, core::Date::from_ymd(2024, 2, 1)});
  ASSERT_FALSE(result.has_value());
  texts.push_back(result.error().message);
  EXPECT_NE(result.error().message.find("Invalid API call for /query"), std::string::npos);
  EXPECT_NE(result.error().message.find("apikey=***"), std::string::npos) << result.error().message;
  for (const auto& text : texts) {
    for (const char* part : {"Q7x", "Zk9", "Wm2", "Pv4"}) {
      EXPECT_EQ(text.find(part), std::string::npos) << part << " in: " << text;
    }
  }
}

TEST_F(CollectorTest, ResumesAfterFailureMidRunWithoutDuplicatesOrGaps) {
  server_.inject("CCC", Fault::ServerError, -1);  // ticker 3 of 5 fails
  const auto first = collect(alpha({.max_attempts = 2}), kTickers);
  EXPECT_EQ(first.count(Status::Updated), 4u);
  EXPECT_EQ(outcome(first, "CCC").status, Status::Failed);
  EXPECT_EQ(stored_rows("CCC"), 0u);

  server_.clear_faults();
  const auto second = collect(alpha(), kTickers);
  EXPECT_EQ(outcome(second, "CCC").status, Status::Updated);
  EXPECT_EQ(outcome(second, "CCC").new_rows, kHistoryDays);
  EXPECT_EQ(second.count(Status::UpToDate), 4u);
  for (const auto& t : kTickers) expect_store_matches(t);
}

TEST_F(CollectorTest, ResumesAfterThrottledRunStoppedEarly) {
  server_.inject("CCC", Fault::Information, -1);
  const auto first = collect(alpha({.max_attempts = 2}), kTickers);
  EXPECT_EQ(first.count(Status::Updated), 2u);
  EXPECT_EQ(first.count(Status::NotRun), 2u);

  server_.clear_faults();
  const auto second = collect(alpha({.datatype = AlphaVantageOptions::DataType::Csv}), kTickers);
  EXPECT_EQ(second.count(Status::Updated), 3u);
  EXPECT_EQ(second.count(Status::UpToDate), 2u);
  for (const auto& t : kTickers) expect_store_matches(t);
}

TEST_F(CollectorTest, IncrementalUpdateAppendsOnlyNewDays) {
  const core::Date earlier = server_.history("AAA")[kHistoryDays - 11].bar.date;
  server_.set_visible_until(earlier);
  collect(alpha(), {"AAA", "BBB"}, nullptr, earlier);
  expect_store_matches("AAA", earlier);

  server_.set_visible_until(std::nullopt);
  const auto report = collect(alpha(), {"AAA", "BBB"});
  for (const auto& ticker : {"AAA", "BBB"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated);
    EXPECT_EQ(outcome(report, ticker).new_rows, 10);
    expect_store_matches(ticker);
  }
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[2].outputsize, "compact");  // a small gap needs only the latest 100 days
  EXPECT_EQ(seen[3].outputsize, "compact");

  // The same through Yahoo: period1 is the last stored day, so that the reply overlaps it
  // and a change of adjusted closes would show.
  server_.set_visible_until(std::nullopt);
  const auto again = collect(yahoo(), {"AAA"});
  EXPECT_EQ(outcome(again, "AAA").status, Status::UpToDate) << outcome(again, "AAA").message;
  EXPECT_EQ(server_.requests().back().period1, std::to_string(last_day().days() * 86'400LL));
}

TEST_F(CollectorTest, LargeGapFetchesFullHistory) {
  const core::Date early = server_.history("AAA")[20].bar.date;
  server_.set_visible_until(early);
  collect(alpha(), {"AAA"}, nullptr, early);
  server_.set_visible_until(std::nullopt);
  // 139 sessions later: more than compact's 100. With the default threshold "full" is asked
  // for at once; with a generous one the compact reply is seen not to reach back, and the
  // full history is fetched after all.
  collect(alpha(), {"AAA"});
  EXPECT_EQ(server_.requests().back().outputsize, "full");
  expect_store_matches("AAA");

  server_.set_history("BBB", testing::make_history(1, kHistoryDays));
  server_.set_visible_until(early);
  collect(alpha(), {"BBB"}, nullptr, early);
  server_.set_visible_until(std::nullopt);
  const std::size_t before = server_.requests().size();
  collect(alpha({.compact_max_gap_days = 10'000}), {"BBB"});
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), before + 2);
  EXPECT_EQ(seen[before].outputsize, "compact");
  EXPECT_EQ(seen[before + 1].outputsize, "full");
  expect_store_matches("BBB");
}

TEST_F(CollectorTest, ChangedAdjustmentsRewriteTheHistory) {
  const core::Date earlier = server_.history("AAA")[kHistoryDays - 6].bar.date;
  server_.set_visible_until(earlier);
  collect(alpha(), {"AAA"}, nullptr, earlier);
  server_.set_visible_until(std::nullopt);
  server_.shift_adjusted_closes("AAA", -0.5);  // a dividend re-based every adjusted close
  const auto report = collect(alpha(), {"AAA"});
  EXPECT_EQ(outcome(report, "AAA").status, Status::Readjusted);
  EXPECT_EQ(outcome(report, "AAA").new_rows, 5);
  expect_store_matches("AAA");
}

// Requests for `ticker` that went to one vendor's path.
std::size_t requests_to(const testing::FakeVendorServer& server, const std::string& ticker, std::string_view path) {
  std::size_t n = 0;
  for (const auto& r : server.requests()) n += r.symbol == ticker && r.path.starts_with(path);
  return n;
}

TEST_F(CollectorTest, ThrottledFallbackStopsOnlyTheFallback) {
  server_.inject("BBB", Fault::ErrorMessage, 1);     // Alpha Vantage refuses BBB…
  server_.inject("BBB", Fault::TooManyRequests, 2);  // …and Yahoo throttles it through every retry
  server_.inject("DDD", Fault::ErrorMessage, 1);
  const auto report = collect(alpha({.max_attempts = 2}), {"AAA", "BBB", "CCC", "DDD"}, &yahoo({.max_attempts = 2}));
  EXPECT_EQ(outcome(report, "AAA").vendor, "alphavantage");
  const auto& b = outcome(report, "BBB");
  EXPECT_EQ(b.status, Status::Failed);
  EXPECT_NE(b.message.find("alphavantage BBB: vendor error: Invalid API call"), std::string::npos) << b.message;
  EXPECT_NE(b.message.find("; fallback: yahoo BBB: gave up after 2 attempt(s): HTTP 429"), std::string::npos)
      << b.message;
  // Alpha Vantage was never throttled: it carries on with the rest of the run…
  EXPECT_EQ(outcome(report, "CCC").status, Status::Updated) << outcome(report, "CCC").message;
  EXPECT_EQ(outcome(report, "CCC").vendor, "alphavantage");
  // …and when it fails for a ticker, the stopped fallback is not asked, and the message says so.
  const auto& d = outcome(report, "DDD");
  EXPECT_EQ(d.status, Status::Failed);
  EXPECT_NE(d.message.find("alphavantage DDD: vendor error: Invalid API call"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("; fallback yahoo not asked: yahoo is throttling this run"), std::string::npos)
      << d.message;
  EXPECT_EQ(requests_to(server_, "DDD", "/v"), 0u);
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(std::find(log_.begin(), log_.end(),
                      "yahoo is throttling this run; not asking yahoo again in this run (alphavantage carries on)"),
            log_.end());
  for (const auto& t : report.tickers) EXPECT_EQ(t.message.find("the vendor"), std::string::npos) << t.message;

  // The stop lasts for the run only: the next run asks Yahoo again.
  server_.inject("EEE", Fault::ErrorMessage, 1);
  const auto again = collect(alpha(), {"EEE"}, &yahoo());
  EXPECT_EQ(outcome(again, "EEE").vendor, "yahoo");
}

TEST_F(CollectorTest, PrimaryOutOfQuotaHandsTheRestToTheFallback) {
  server_.inject("BBB", Fault::DailyLimit, 1);
  const auto report = collect(alpha(), {"AAA", "BBB", "CCC"}, &yahoo());
  EXPECT_EQ(outcome(report, "AAA").vendor, "alphavantage");
  for (const auto& ticker : {"BBB", "CCC"}) {
    EXPECT_EQ(outcome(report, ticker).status, Status::Updated) << outcome(report, ticker).message;
    EXPECT_EQ(outcome(report, ticker).vendor, "yahoo");
  }
  EXPECT_EQ(requests_to(server_, "CCC", "/query"), 0u);  // Alpha Vantage not asked again
  EXPECT_NE(std::find(log_.begin(), log_.end(),
                      "alphavantage's request quota for today is used up; not asking alphavantage again in "
                      "this run (yahoo carries on)"),
            log_.end());
}

TEST_F(CollectorTest, BothVendorsStoppedNamesEach) {
  server_.inject("AAA", Fault::DailyLimit, 1);
  server_.inject("AAA", Fault::TooManyRequests, 2);
  const auto report = collect(alpha(), {"AAA", "BBB"}, &yahoo({.max_attempts = 2}));
  const auto& a = outcome(report, "AAA");
  EXPECT_EQ(a.status, Status::Failed);
  EXPECT_NE(a.message.find("alphavantage AAA: quota used up"), std::string::npos) << a.message;
  EXPECT_NE(a.message.find("fallback: yahoo AAA: gave up after 2 attempt(s): HTTP 429"), std::string::npos) << a.message;
  const auto& b = outcome(report, "BBB");
  EXPECT_EQ(b.status, Status::NotRun);
  EXPECT_EQ(b.message,
            "skipped: alphavantage's request quota for today is used up; yahoo is throttling this run");
  EXPECT_EQ(server_.request_count("BBB"), 0u);
}

TEST_F(CollectorTest, FallsBackToYahooWhenAlphaVantageFails) {
  server_.inject("BBB", Fault::ErrorMessage, 1);
  const auto report = collect(alpha(), {"AAA", "BBB"}, &yahoo());
  EXPECT_EQ(outcome(report, "AAA").vendor, "alphavantage");
  EXPECT_EQ(outcome(report, "BBB").status, Status::Updated);
  EXPECT_EQ(outcome(report, "BBB").vendor, "yahoo");
  expect_store_matches("BBB");  // Yahoo's events give the same dividends and split
  ASSERT_FALSE(log_.empty());
  EXPECT_NE(log_.back().find("trying yahoo"), std::string::npos) << log_.back();
}

}  // namespace
}  // namespace kestrel::adapters
