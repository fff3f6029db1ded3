#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "exposition.hpp"
#include "server/prometheus_text.hpp"

namespace kestrel::server {
namespace {

TEST(PrometheusText, WritesFamiliesEscapedLabelsAndCumulativeHistograms) {
  PrometheusText m;
  m.gauge("kestrel_equity_dollars", "Equity\\at the close\nsecond line", 1234.5);
  m.family("kestrel_orders", "gauge", "Orders");
  m.sample("kestrel_orders", 3, {{"status", "say \"hi\"\\\n"}});
  m.sample("kestrel_orders", std::numeric_limits<double>::quiet_NaN(), {{"status", "b"}});
  const std::vector<double> bounds = {0.1, 1, 10};
  const std::vector<double> seen = {0.05, 0.5, 0.7, 20};
  m.histogram("kestrel_cycle_duration_seconds", "Cycle", bounds, seen);
  const std::string& text = m.text();

  EXPECT_NE(text.find("# HELP kestrel_equity_dollars Equity\\\\at the close\\nsecond line\n"), std::string::npos);
  EXPECT_NE(text.find("kestrel_orders{status=\"say \\\"hi\\\"\\\\\\n\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kestrel_orders{status=\"b\"} NaN\n"), std::string::npos);

  const auto parsed = testing::parse_exposition(text);
  EXPECT_TRUE(parsed.problems.empty()) << ::testing::PrintToString(parsed.problems) << text;
  EXPECT_EQ(parsed.types.at("kestrel_cycle_duration_seconds"), "histogram");
  EXPECT_EQ(parsed.samples.at("kestrel_equity_dollars"), 1234.5);
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_bucket{le=\"0.1\"}"), 1);
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_bucket{le=\"1\"}"), 3);
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_bucket{le=\"10\"}"), 3);
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_bucket{le=\"+Inf\"}"), 4);
  EXPECT_DOUBLE_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_sum"), 21.25);
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_count"), 4);
}

TEST(PrometheusText, TheCheckerRefusesWhatPrometheusWouldRefuse) {
  // The reader the server tests rely on must itself fail on broken text.
  for (const char* bad : {"kestrel_x 1\n",                                   // no TYPE
                          "# TYPE kestrel_x gauge\nkestrel_x{a=\"1} 2\n",    // unterminated label
                          "# TYPE kestrel_x gauge\nkestrel_x one\n",          // not a number
                          "# TYPE kestrel_x gauge\n# TYPE kestrel_x gauge\nkestrel_x 1\n",
                          "# TYPE 1x gauge\n",
                          "# TYPE kestrel_x gauge\nkestrel_x{a=\"\\q\"} 1\n",  // bad escape
                          "# TYPE kestrel_x gauge\nkestrel_x 1\nkestrel_x 2\n",
                          "# TYPE kestrel_x gauge\nkestrel_x 1"}) {
    EXPECT_FALSE(testing::parse_exposition(bad).problems.empty()) << bad;
  }
}

TEST(PrometheusText, NumbersReadBackExactly) {
  for (double v : {0.1, 1e-300, 123456789.123456789, -2.5e21, 0.0}) {
    EXPECT_EQ(std::stod(prometheus_number(v)), v);
  }
  EXPECT_EQ(prometheus_number(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(prometheus_number(-std::numeric_limits<double>::infinity()), "-Inf");
}

}  // namespace
}  // namespace kestrel::server
