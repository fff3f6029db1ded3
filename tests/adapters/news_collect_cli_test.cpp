// `kestrel news collect` end to end against the fake news vendors: exit codes, the summary,
// resume by rerunning the same command, and the keys kept out of the output.
#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "core/date.hpp"
#include "support/fake_news_server.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::adapters {
namespace {

const std::string kAlphaKey = "CLI-AV-N3WS-K3Y";
const std::string kNewsApiKey = "CLI-NEWSAPI-K3Y-42";
const std::int64_t kStart = std::int64_t{core::Date::from_ymd(2024, 3, 4).days()} * 86'400;

class NewsCollectCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(KESTREL_BINARY)) GTEST_SKIP() << "kestrel is not built: " << KESTREL_BINARY;
    // 12 a day for five days, every 7th a "[Removed]" stub: 52 kept per ticker, 31 in the first three days.
    for (const char* t : {"AAA", "BBB"}) server_.add_articles(testing::make_articles(t, kStart + 90, 7200, 60, true));
  }

  testing::CommandResult collect(const std::string& vendor, const std::string& extra) {
    return testing::run_command(fmt::format(
        "ALPHAVANTAGE_API_KEY={} NEWSAPI_API_KEY={} '{}' --quiet news collect --db '{}' --vendor {} --tickers AAA,BBB "
        "--from 2024-03-04 --to 2024-03-08 --base-url {} --calls-per-minute 6000 --initial-backoff 0.005 {}",
        kAlphaKey, kNewsApiKey, KESTREL_BINARY, (dir_ / "news.db").string(), vendor, server_.base_url(), extra));
  }

  testing::TempDir dir_;
  testing::FakeNewsServer server_{kAlphaKey, kNewsApiKey};
};

TEST_F(NewsCollectCliTest, NewsApiQuotaFailsTheRunAndTheSameCommandResumes) {
  server_.set_newsapi_quota(3);
  const auto failed = collect("newsapi", "--query 'AAA=AAA OR Acme'");
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("Developer accounts are limited to 100 requests over a 24 hour period"), std::string::npos)
      << failed.output;
  EXPECT_NE(failed.output.find("2 ticker(s): 0 collected, 0 up to date, 1 failed, 1 not run; 31 new item(s)"),
            std::string::npos)
      << failed.output;
  EXPECT_NE(failed.output.find("rerun the same command to resume"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("2024-03-07 00:00Z"), std::string::npos) << failed.output;  // AAA's coverage
  EXPECT_EQ(failed.output.find(kNewsApiKey), std::string::npos) << failed.output;

  server_.reset_quotas();
  server_.set_newsapi_quota(100);
  const auto resumed = collect("newsapi", "--query 'AAA=AAA OR Acme'");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("2 ticker(s): 2 collected, 0 up to date, 0 failed, 0 not run; 73 new item(s)"),
            std::string::npos)
      << resumed.output;
  EXPECT_EQ(server_.requests().size(), 4u + 2u + 5u);
  // A changed query is a new search: asked again from the start.
  const auto changed = collect("newsapi", "");
  EXPECT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_NE(changed.output.find("1 collected, 1 up to date"), std::string::npos) << changed.output;
}

TEST_F(NewsCollectCliTest, NewsAlphaVantageRunAndItsRefusals) {
  const auto result = collect("alphavantage", "");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 ticker(s): 2 collected"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find(kAlphaKey), std::string::npos) << result.output;
  EXPECT_EQ(server_.requests().size(), 2u);  // one window each

  const auto query = collect("alphavantage", "--query AAA=Acme");
  EXPECT_EQ(query.exit_code, 1);
  EXPECT_NE(query.output.find("--query is for newsapi"), std::string::npos) << query.output;
}

TEST_F(NewsCollectCliTest, NewsMissingKeyFailsBeforeTouchingTheStore) {
  const auto result = testing::run_command(fmt::format(
      "env -u NEWSAPI_API_KEY '{}' news collect --db '{}' --vendor newsapi --tickers AAA --from 2024-03-04 --base-url {}",
      KESTREL_BINARY, (dir_ / "news.db").string(), server_.base_url()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("no API key: set NEWSAPI_API_KEY"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "news.db"));
  EXPECT_TRUE(server_.requests().empty());
}

}  // namespace
}  // namespace kestrel::adapters
