// `kestrel report daily|weekly|monthly` on a replayed year of the sample: the HTML holds the
// journal's numbers, and the PDF has pages that render (pdftoppm), with the report's text in
// them (pdftotext) — poppler-utils and chromium come from scripts/install-deps.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "store/journal.hpp"
#include "support/replayed_journal.hpp"
#include "support/run_command.hpp"

namespace kestrel::reports {
namespace {

using kestrel::testing::read_file;
using kestrel::testing::run_command;
using kestrel::testing::TempDir;

const std::string kExe = KESTREL_BINARY;

bool have(const char* tool) { return std::filesystem::exists(std::string("/usr/bin/") + tool); }

// As the report writes money: 1234.5 -> "1,234.50", with a + on gains when `sign`.
std::string dollars(double value, bool sign) {
  const std::string digits = fmt::format("{:.2f}", std::abs(value));
  const std::size_t whole = digits.find('.');
  std::string out = value < 0 ? "-" : (sign && value > 0 ? "+" : "");
  for (std::size_t i = 0; i < whole; ++i) {
    if (i > 0 && (whole - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + digits.substr(whole);
}

// The journal's equity on `date` and on the session before `first`.
std::pair<double, double> equity_around(const std::filesystem::path& journal_path, core::Date first, core::Date date) {
  auto journal = store::Journal::open_existing(journal_path.string());
  EXPECT_TRUE(journal);
  const auto run = *journal->latest_run();
  const auto days = *journal->days(run->run_id);
  double before = 0, at = 0;
  for (const auto& d : days) {
    if (d.date < first) before = d.equity;
    if (d.date == date) at = d.equity;
  }
  return {before, at};
}

TEST(ReportCli, HelpListsDailyWeeklyAndMonthly) {
  const auto r = run_command(kExe + " report --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"daily", "weekly", "monthly"}) {
    EXPECT_NE(r.output.find(std::string("  ") + sub + " "), std::string::npos) << r.output;
  }
}

TEST(Report, MonthlyOnAReplayedYearHasTheJournalsNumbersAndAPdfWhosePagesRender) {
  if (!have("chromium") || !have("pdftoppm")) GTEST_SKIP() << "chromium and poppler-utils are needed (install-deps.sh)";
  const auto& journal = kestrel::testing::replayed_sample_journal();
  TempDir out;
  const auto config = kestrel::testing::replayed_journal_dir() / "paper.toml";
  const auto r = run_command(kExe + " report monthly --config " + config.string() + " --date 2019-06-28 --out " +
                             out.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("monthly report for 2019-06-03 to 2019-06-28"), std::string::npos) << r.output;
  const std::string html = read_file(out / "monthly-2019-06-28.html");
  const auto [before, at] = equity_around(journal, core::Date::from_ymd(2019, 6, 3), core::Date::from_ymd(2019, 6, 28));
  ASSERT_GT(before, 0);
  EXPECT_NE(html.find(dollars(at, false)), std::string::npos) << "equity " << at;
  EXPECT_NE(html.find(dollars(at - before, true)), std::string::npos) << "the month's P&L " << at - before;
  for (const char* section : {"Returns, absolute and risk-adjusted", "Sharpe", "Sortino", "Calmar", "Monthly returns",
                              "SPY (buy and hold)", "QQQ: not in the market data", "Open positions", "Trades closed",
                              "Win rate", "profit factor", "Predictions against what happened", "Sector performance",
                              "<svg class=\"chart\""}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }

  const auto pdf = out / "monthly-2019-06-28.pdf";
  const auto info = run_command("pdfinfo " + pdf.string());
  ASSERT_EQ(info.exit_code, 0) << info.output;
  int pages = 0;
  ASSERT_EQ(std::sscanf(info.output.substr(info.output.find("Pages:")).c_str(), "Pages: %d", &pages), 1);
  EXPECT_GE(pages, 2);
  EXPECT_LE(pages, 8);
  const auto text = run_command("pdftotext -layout " + pdf.string() + " -");
  ASSERT_EQ(text.exit_code, 0);
  for (const char* words : {"Monthly report: dashboard-test", "Monthly returns", "Sharpe", "Open positions"}) {
    EXPECT_NE(text.output.find(words), std::string::npos) << words;
  }
  // Every page renders to an image with something on it.
  const auto rendered = run_command("pdftoppm -png -r 40 " + pdf.string() + " " + (out / "page").string());
  ASSERT_EQ(rendered.exit_code, 0) << rendered.output;
  int images = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out.path())) {
    if (entry.path().extension() != ".png") continue;
    ++images;
    EXPECT_GT(std::filesystem::file_size(entry.path()), 3000u) << entry.path();  // a blank A4 page at 40 dpi is ~1 KB
  }
  EXPECT_EQ(images, pages);
}

TEST(Report, WeeklyAndDailyHaveTheirSections) {
  TempDir out;
  const auto config = kestrel::testing::replayed_journal_dir() / "paper.toml";
  (void)kestrel::testing::replayed_sample_journal();
  for (const char* period : {"weekly", "daily"}) {
    const auto r = run_command(kExe + " report " + period + " --config " + config.string() +
                               " --date 2018-12-21 --no-pdf --out " + out.path().string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(out / "weekly-2018-12-21.pdf"));
  const std::string weekly = read_file(out / "weekly-2018-12-21.html");
  EXPECT_NE(weekly.find("sessions 2018-12-17 to 2018-12-21"), std::string::npos);
  for (const char* section : {"Best five", "Worst five", "Sector performance", "Hit rate this period"}) {
    EXPECT_NE(weekly.find(section), std::string::npos) << section;
  }
  EXPECT_EQ(weekly.find("Monthly returns"), std::string::npos);
  const std::string daily = read_file(out / "daily-2018-12-21.html");
  for (const char* section : {"the session of 2018-12-21", "System health", "Node starts / restarts", "Open positions"}) {
    EXPECT_NE(daily.find(section), std::string::npos) << section;
  }
}

TEST(ReportCli, BacktestPdfHasEverySectionOfTheHtmlReport) {
  if (!have("chromium") || !have("pdftotext")) GTEST_SKIP() << "chromium and poppler-utils are needed (install-deps.sh)";
  TempDir out;
  const auto r = run_command(kExe + " -q backtest --config " + std::string(KESTREL_SOURCE_DIR) +
                             "/configs/backtest-sample.toml --pdf --out " + out.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string html = read_file(out / "report.html");
  const auto text = run_command("pdftotext " + (out / "report.pdf").string() + " -");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  // Every section title of the page is in the PDF.
  std::size_t sections = 0;
  for (std::size_t at = html.find("<h2>"); at != std::string::npos; at = html.find("<h2>", at + 4)) {
    const std::string title = html.substr(at + 4, html.find_first_of("<", at + 4) - at - 4);
    EXPECT_NE(text.output.find(title), std::string::npos) << title;
    ++sections;
  }
  EXPECT_GE(sections, 10u);
  // The charts were drawn before printing: each is a canvas in the page, an image in the PDF.
  const auto images = run_command("pdfimages -list " + (out / "report.pdf").string());
  ASSERT_EQ(images.exit_code, 0) << images.output;
  std::istringstream lines(images.output);
  int charts = 0;
  for (std::string line; std::getline(lines, line);) {
    charts += line.find(" image ") != std::string::npos && line.find(" smask ") == std::string::npos ? 1 : 0;
  }
  EXPECT_GE(charts, 5) << images.output;  // equity, drawdown, rolling Sharpe, exposure, Monte Carlo
}

TEST(Report, ADateBeforeTheRunIsAClearError) {
  TempDir out;
  (void)kestrel::testing::replayed_sample_journal();
  const auto r = run_command(kExe + " report daily --db " + (kestrel::testing::replayed_journal_dir() / "journal.db").string() +
                             " --date 2017-01-03 --out " + out.path().string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("has no session on or before 2017-01-03 (its sessions: 2018-01-02 to 2019-12-31)"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(std::filesystem::is_empty(out.path()));
}

}  // namespace
}  // namespace kestrel::reports
