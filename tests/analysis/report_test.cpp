// write_backtest_report on a synthetic run over data/sample: every file is written, parses
// and agrees with the statistics; the page is self-contained and byte-for-byte reproducible.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysis/performance_stats.hpp"
#include "analysis/report.hpp"
#include "analysis/report_html.hpp"
#include "support/temp_dir.hpp"
#include "synthetic_record.hpp"

namespace kestrel::analysis {
namespace {

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::ranges::count(text, '\n')); }

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = testing::synthetic_record(KESTREL_SAMPLE_DATA);
    ASSERT_TRUE(made) << made.error().message;
    record_ = std::move(*made);
    auto computed = compute_performance_stats(record_);
    ASSERT_TRUE(computed) << computed.error().message;
    stats_ = *computed;
  }
  BacktestRecord record_;
  PerformanceStats stats_;
  testing::TempDir dir_;
};

TEST_F(ReportTest, WritesEveryFileAndTheyAgreeWithTheStatistics) {
  ASSERT_GT(record_.trades.size(), 10u);
  const auto files = write_backtest_report(record_, stats_, dir_ / "out");
  ASSERT_TRUE(files) << files.error().message;

  const auto json = nlohmann::json::parse(testing::read_file(files->json));
  EXPECT_EQ(json["run"]["name"], record_.name);
  EXPECT_EQ(json["run"]["seed"], record_.seed);
  EXPECT_EQ(json["run"]["config_hash"], record_.config_hash);
  const auto& s = json["statistics"];
  EXPECT_EQ(s["trading_days"], record_.equity.size() - 1);
  EXPECT_EQ(s["start"], record_.equity.front().date.to_string());
  EXPECT_DOUBLE_EQ(s["strategy"]["sharpe"].get<double>(), stats_.strategy.sharpe);
  EXPECT_DOUBLE_EQ(s["benchmark"]["annual_return"].get<double>(), stats_.benchmark.annual_return);
  EXPECT_DOUBLE_EQ(s["beta"].get<double>(), stats_.beta);
  EXPECT_EQ(s["trades"]["trades"], record_.trades.size());
  EXPECT_EQ(s["exposure"]["orders"], record_.orders.size());

  const std::string equity = testing::read_file(files->equity_csv);
  EXPECT_EQ(lines(equity), record_.equity.size() + 1);
  EXPECT_TRUE(equity.starts_with("date,equity,cash,gross_exposure,net_exposure,benchmark,positions,return,"));
  // The first day has no return yet: empty fields, not "nan".
  EXPECT_EQ(equity.find("nan"), std::string::npos);
  EXPECT_EQ(lines(testing::read_file(files->trades_csv)), record_.trades.size() + 1);
  EXPECT_EQ(lines(testing::read_file(files->orders_csv)), record_.orders.size() + 1);

  const std::string html = testing::read_file(files->html);
  EXPECT_NE(html.find("<title>Kestrel backtest: sma50-trend (synthetic)</title>"), std::string::npos);
  EXPECT_NE(html.find("https://github.com/leeoniya/uPlot"), std::string::npos);   // the library's header
  EXPECT_NE(html.find("Permission is hereby granted"), std::string::npos);        // its MIT licence
  for (const char* id : {"chart-equity", "chart-drawdown", "chart-rolling-sharpe", "chart-exposure"}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  EXPECT_NE(html.find("class=\"heatmap\""), std::string::npos);
  EXPECT_NE(html.find(record_.config_hash), std::string::npos);
  // Self-contained: nothing is fetched when the page is opened.
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST_F(ReportTest, RewritingGivesIdenticalBytes) {
  const auto first = write_backtest_report(record_, stats_, dir_ / "a");
  const auto second = write_backtest_report(record_, stats_, dir_ / "b");
  ASSERT_TRUE(first && second);
  for (const char* name : {"report.html", "stats.json", "equity.csv", "trades.csv", "orders.csv"}) {
    EXPECT_EQ(testing::read_file(dir_ / "a" / name), testing::read_file(dir_ / "b" / name)) << name;
  }
}

TEST_F(ReportTest, EscapesTextFromTheRun) {
  record_.name = "x</script><b>&";
  record_.trades.front().exit_reason = "stop, \"gap\"";
  record_.benchmark = "S&P</script>";
  const std::string html = backtest_report_html(record_, stats_);
  EXPECT_EQ(html.find("x</script>"), std::string::npos);
  EXPECT_NE(html.find("x&lt;/script&gt;&lt;b&gt;&amp;"), std::string::npos);
  EXPECT_EQ(html.find("S&P</script>"), std::string::npos);  // also inside the chart data
  const auto files = write_backtest_report(record_, stats_, dir_ / "escaped");
  ASSERT_TRUE(files);
  EXPECT_NE(testing::read_file(files->trades_csv).find(",\"stop, \"\"gap\"\"\"\n"), std::string::npos);
}

TEST_F(ReportTest, EmptyRunStillWritesAPage) {
  const BacktestRecord empty;
  const auto stats = compute_performance_stats(empty);
  ASSERT_TRUE(stats);
  const auto files = write_backtest_report(empty, *stats, dir_ / "empty");
  ASSERT_TRUE(files) << files.error().message;
  const auto json = nlohmann::json::parse(testing::read_file(files->json));
  EXPECT_TRUE(json["statistics"]["strategy"]["sharpe"].is_null());
  EXPECT_TRUE(json["statistics"]["start"].is_null());
  EXPECT_NE(testing::read_file(files->html).find("No closed trades."), std::string::npos);
}

TEST_F(ReportTest, UnwritableFolderIsAnError) {
  testing::write_file(dir_ / "occupied", "a file where the folder should go");
  const auto files = write_backtest_report(record_, stats_, dir_ / "occupied" / "report");
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find("occupied"), std::string::npos) << files.error().message;
}

}  // namespace
}  // namespace kestrel::analysis
