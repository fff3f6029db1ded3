// Opens a written report in headless Chromium (Debian's `chromium`, which
// scripts/install-deps.sh installs) and checks what a person would see: every chart drew
// into a canvas of non-zero size, and the page wrote nothing to the console. The page marks
// <html> with data-rendered / data-chart-sizes once all charts have drawn
// (src/analysis/report_page.js); --dump-dom returns the DOM after the load event.
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "analysis/monte_carlo.hpp"
#include "analysis/performance_stats.hpp"
#include "analysis/report.hpp"
#include "support/headless_browser.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "synthetic_record.hpp"

namespace kestrel::analysis {
namespace {

// The value of `name="..."` inside the <html ...> start tag, or "" when absent.
std::string html_attribute(const std::string& dom, const std::string& name) {
  const auto start = dom.find("<html");
  if (start == std::string::npos) return {};
  const auto end = dom.find('>', start);
  const std::string tag = dom.substr(start, end - start);
  const std::string key = " " + name + "=\"";
  const auto at = tag.find(key);
  if (at == std::string::npos) return {};
  const auto value_start = at + key.size();
  return tag.substr(value_start, tag.find('"', value_start) - value_start);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

// The risk section as the backtest layer fills it (src/backtest/risk_report.cpp), with the
// Monte Carlo bands of the record's own returns and one risk event.
void add_risk_section(BacktestRecord& record) {
  std::vector<double> returns;
  for (std::size_t k = 1; k < record.equity.size(); ++k) {
    returns.push_back(record.equity[k].equity / record.equity[k - 1].equity - 1);
  }
  auto mc = bootstrap_daily_returns(returns, {.paths = 2000});
  ASSERT_TRUE(mc) << mc.error().message;
  RiskSummary risk;
  risk.manager_enabled = true;
  risk.counters["max_position"] = 1;
  risk.events.push_back({record.equity[1].date, "denied", "max_position", "position would be <too big>"});
  risk.measures.push_back({"strategy", "historical", 0.95, 1, 0.02, 0.03});
  risk.stress.push_back({"market -10%", "hypothetical", -0.09, 0, -0.10, {}});
  risk.has_monte_carlo = true;
  risk.monte_carlo.paths = mc->paths;
  risk.monte_carlo.horizon_days = mc->horizon_days;
  risk.monte_carlo.band_p05 = mc->band_p05;
  risk.monte_carlo.band_p50 = mc->band_p50;
  risk.monte_carlo.band_p95 = mc->band_p95;
  record.risk = std::move(risk);
}

TEST(ReportRender, ChartsDrawInHeadlessChromiumWithoutConsoleMessages) {
  const auto chromium = testing::find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh installs it)";

  auto record = testing::synthetic_record(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(record) << record.error().message;
  add_risk_section(*record);
  const auto stats = compute_performance_stats(*record);
  ASSERT_TRUE(stats) << stats.error().message;
  testing::TempDir dir;
  const auto files = write_backtest_report(*record, *stats, dir / "report");
  ASSERT_TRUE(files) << files.error().message;

  // Flags that work as root in a container; a fresh profile; every host name unresolvable,
  // so the charts can only come from the page itself. The subshell keeps Chromium's stderr
  // in its own file (run_command merges the outer stderr into its output).
  const auto dom_path = dir / "dom.html";
  const auto log_path = dir / "chromium.log";
  const std::string command = fmt::format(
      "(timeout 120 '{}' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir='{}' --enable-logging=stderr --v=0 "
      "--window-size=1400,1000 --dump-dom 'file://{}' > '{}' 2> '{}')",
      chromium.string(), (dir / "profile").string(), files->html.string(), dom_path.string(),
      log_path.string());
  const auto result = testing::run_command(command);
  const std::string log = testing::read_file(log_path);
  ASSERT_EQ(result.exit_code, 0) << result.output << log;

  const std::string dom = testing::read_file(dom_path);
  EXPECT_EQ(html_attribute(dom, "data-rendered"), "equity,drawdown,rolling-sharpe,exposure,monte-carlo");
  EXPECT_EQ(html_attribute(dom, "data-errors"), "");
  EXPECT_NE(dom.find("id=\"risk\""), std::string::npos);
  EXPECT_NE(dom.find("position would be &lt;too big&gt;"), std::string::npos);  // escaped
  const auto sizes = split(html_attribute(dom, "data-chart-sizes"), ';');
  EXPECT_EQ(sizes.size(), 5u);
  for (const auto& entry : sizes) {
    int width = 0;
    int height = 0;
    const auto colon = entry.find(':');
    ASSERT_NE(colon, std::string::npos) << entry;
    ASSERT_EQ(std::sscanf(entry.c_str() + colon + 1, "%dx%d", &width, &height), 2) << entry;
    EXPECT_GT(width, 200) << entry;
    EXPECT_GT(height, 100) << entry;
  }

  // Chromium logs every console message (log, warning, error, uncaught exception) as
  // "...:CONSOLE..."; the report writes none.
  for (const auto& line : split(log, '\n')) {
    EXPECT_EQ(line.find(":CONSOLE"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace kestrel::analysis
