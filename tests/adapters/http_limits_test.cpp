// The request deadline and the reply size cap of HttpClient against the fake vendor: a body
// trickled a byte at a time, a reply that stalls under the read timeout, and oversized bodies
// with and without a Content-Length. Each case takes at most about a second.
#include <gtest/gtest.h>

#include <chrono>

#include <fmt/format.h>

#include "adapters/http_client.hpp"
#include "support/fake_vendor_server.hpp"

namespace kestrel::adapters {
namespace {

using std::chrono::milliseconds;
using testing::Fault;
using SteadyClock = std::chrono::steady_clock;

const std::string kKey = "L1M1TS-K3Y";
constexpr std::size_t kOneMiB = std::size_t{1} << 20;

class HttpLimitsTest : public ::testing::Test {
 protected:
  HttpLimitsTest() { server_.set_history("AAA", testing::make_history(0, 30)); }

  // Generous connect and read timeouts: only the deadline or the cap can stop these requests.
  HttpClient client() {
    return HttpClient(*parse_base_url(server_.base_url()),
                      {milliseconds(2000), milliseconds(5000), milliseconds(1000)}, kOneMiB);
  }

  static std::string path() {
    return "/query?function=TIME_SERIES_DAILY_ADJUSTED&symbol=AAA&outputsize=full&apikey=" + kKey;
  }

  testing::FakeVendorServer server_{kKey};
};

TEST_F(HttpLimitsTest, TrickledBodyStopsAtTheDeadline) {
  server_.inject("AAA", Fault::Trickle);  // 10 s of one byte every 100 ms
  auto http = client();
  const auto start = SteadyClock::now();
  const auto reply = http.get(path());
  const auto elapsed = SteadyClock::now() - start;
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().message, fmt::format("reply from {} exceeded the 1 s deadline", server_.base_url()));
  EXPECT_EQ(reply.error().kind, core::ErrorKind::Unavailable);  // worth retrying
  EXPECT_GE(elapsed, milliseconds(1000));
  EXPECT_LT(elapsed, milliseconds(1600));
}

TEST_F(HttpLimitsTest, StalledHeadersStopAtTheDeadline) {
  server_.inject("AAA", Fault::Stall);  // 1.5 s of silence: under the 5 s read timeout
  auto http = client();
  const auto start = SteadyClock::now();
  const auto reply = http.get(path());
  const auto elapsed = SteadyClock::now() - start;
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().message, fmt::format("reply from {} exceeded the 1 s deadline", server_.base_url()));
  EXPECT_LT(elapsed, milliseconds(1400));
}

TEST_F(HttpLimitsTest, OversizedBodyFailsBeforeItIsRead) {
  for (const Fault fault : {Fault::Oversized, Fault::OversizedChunked}) {
    server_.inject("AAA", fault);
    auto http = client();
    const auto reply = http.get(path());
    ASSERT_FALSE(reply.has_value()) << static_cast<int>(fault);
    EXPECT_EQ(reply.error().message, fmt::format("reply from {} is larger than 1 MiB", server_.base_url()));
    EXPECT_EQ(reply.error().kind, core::ErrorKind::Rejected);  // the same next time
  }
}

TEST_F(HttpLimitsTest, RepliesWithinTheLimitsArriveWhole) {
  auto http = client();
  const auto reply = http.get(path());
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_NE(reply->body.find("\"Time Series (Daily)\""), std::string::npos);
  EXPECT_EQ(reply->body.back(), '}');
  EXPECT_FALSE(reply->header("Content-Type").empty());
}

}  // namespace
}  // namespace kestrel::adapters
