// `kestrel data collect` end to end against the fake vendor: exit codes, the summary, resume
// by rerunning the same command, and the API key kept out of the output.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "support/fake_vendor_server.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::adapters {
namespace {

const std::string kKey = "CLI-S3CR3T-K3Y";

class CollectCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(KESTREL_BINARY)) GTEST_SKIP() << "kestrel is not built: " << KESTREL_BINARY;
    for (int i = 0; i < 3; ++i) {
      server_.set_history(fmt::format("T{}", i), testing::make_history(i, 120));
    }
  }

  testing::CommandResult collect(const std::string& extra, const std::string& env = "") {
    return testing::run_command(fmt::format(
        "{} ALPHAVANTAGE_API_KEY={} '{}' --quiet data collect --db '{}' --vendor alphavantage "
        "--tickers T0,T1,T2 --base-url {} --calls-per-minute 6000 --initial-backoff 0.005 {}",
        env, kKey, KESTREL_BINARY, (dir_ / "store.db").string(), server_.base_url(), extra));
  }

  testing::TempDir dir_;
  testing::FakeVendorServer server_{kKey};
};

TEST_F(CollectCliTest, CollectsFailsThenResumesOnRerun) {
  server_.inject("T1", testing::Fault::ServerError, -1);
  const auto failed = collect("--max-retries 1");
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("3 ticker(s): 2 updated, 0 re-adjusted, 0 up to date, 1 failed"),
            std::string::npos)
      << failed.output;
  EXPECT_NE(failed.output.find("rerun the same command to resume"), std::string::npos) << failed.output;
  EXPECT_EQ(failed.output.find(kKey), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("apikey=***)"), std::string::npos) << failed.output;

  server_.clear_faults();
  const auto resumed = collect("--datatype csv");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("3 ticker(s): 1 updated, 0 re-adjusted, 2 up to date, 0 failed"),
            std::string::npos)
      << resumed.output;
  EXPECT_EQ(resumed.output.find(kKey), std::string::npos) << resumed.output;
}

TEST_F(CollectCliTest, TimeoutBoundsTheWholeRequest) {
  server_.inject("T1", testing::Fault::Trickle, -1);  // a byte every 100 ms, each under any read timeout
  const auto start = std::chrono::steady_clock::now();
  const auto result = collect("--timeout 1 --max-retries 0");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("alphavantage T1: gave up after 1 attempt(s): reply from " + server_.base_url() +
                               " exceeded the 1 s deadline"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("3 ticker(s): 2 updated"), std::string::npos) << result.output;
}

TEST_F(CollectCliTest, YahooChartWithItsSession) {
  const auto result = testing::run_command(fmt::format(
      "env -u ALPHAVANTAGE_API_KEY '{}' --quiet data collect --db '{}' --vendor yahoo --tickers T0,T1 "
      "--base-url {} --calls-per-minute 6000",
      KESTREL_BINARY, (dir_ / "store.db").string(), server_.base_url()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 ticker(s): 2 updated"), std::string::npos) << result.output;
  ASSERT_FALSE(server_.requests().empty());
  EXPECT_EQ(server_.requests().front().path, "/");  // the cookie, from --base-url itself
}

TEST_F(CollectCliTest, AlpacaWithKeysFromAFileOutsideTheRepository) {
  // The fake's default key pair, in a NAME=value file as the trading node reads it.
  testing::write_file(dir_ / "alpaca.keys",
                      "APCA_API_KEY_ID=PKTESTKEYID0000000001\nAPCA_API_SECRET_KEY=alpaca-secret/with+symbols=\n");
  const std::string base = fmt::format(
      "env -u APCA_API_KEY_ID -u APCA_API_SECRET_KEY '{}' --quiet data collect --db '{}' --vendor alpaca --tickers T0,T1 "
      "--base-url {} --calls-per-minute 6000",
      KESTREL_BINARY, (dir_ / "store.db").string(), server_.base_url());
  const auto missing = testing::run_command(base);
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("no Alpaca keys: set APCA_API_KEY_ID and APCA_API_SECRET_KEY"), std::string::npos)
      << missing.output;
  EXPECT_TRUE(server_.requests().empty());

  const auto result = testing::run_command(base + " --alpaca-key-file '" + (dir_ / "alpaca.keys").string() + "'");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 ticker(s): 2 updated"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("T0       updated      alpaca"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("alpaca-secret"), std::string::npos) << result.output;
  EXPECT_EQ(server_.requests().size(), 6u);  // raw, split and all for each ticker
}

TEST_F(CollectCliTest, MissingKeyFailsBeforeTouchingTheStore) {
  const auto result = testing::run_command(fmt::format(
      "env -u ALPHAVANTAGE_API_KEY '{}' data collect --db '{}' --vendor alphavantage --tickers T0 "
      "--base-url {}",
      KESTREL_BINARY, (dir_ / "store.db").string(), server_.base_url()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("no API key: set ALPHAVANTAGE_API_KEY"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "store.db"));
  EXPECT_EQ(server_.requests().size(), 0u);
}

}  // namespace
}  // namespace kestrel::adapters
