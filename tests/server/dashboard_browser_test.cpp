// The dashboard as a person sees it: headless Chromium loads the page from `kestrel serve`
// while a node replays the sample into the journal, and the test reads what the page shows,
// compares it with the journal, and uses the kill switch through the page — refused without
// the token, accepted with it. A screenshot of the final page is left in the build folder
// (test-artifacts/, ignored by git) for a person to look at.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "support/replayed_journal.hpp"
#include "store/journal.hpp"
#include "support/background_process.hpp"
#include "support/headless_browser.hpp"

namespace kestrel::server {
namespace {

using namespace std::chrono_literals;
using kestrel::testing::HeadlessBrowser;
using kestrel::testing::read_file;

// The port `kestrel serve --port 0` printed, once it has.
int served_port(const std::filesystem::path& log) {
  const std::regex pattern(R"(http://127\.0\.0\.1:([0-9]+)/)");
  for (int i = 0; i < 200; ++i) {
    std::smatch m;
    const std::string text = read_file(log);
    if (std::regex_search(text, m, pattern)) return std::stoi(m[1]);
    std::this_thread::sleep_for(50ms);
  }
  return -1;
}

// 1234567.891 -> "1,234,567.89", as the page writes money (en-US).
std::string dollars(double value) {
  const std::string text = fmt::format("{:.2f}", std::abs(value));
  const std::size_t whole = text.find('.');
  std::string out = value < 0 ? "-" : "";
  for (std::size_t i = 0; i < whole; ++i) {
    if (i > 0 && (whole - i) % 3 == 0) out += ',';
    out += text[i];
  }
  return out + text.substr(whole);
}

TEST(DashboardBrowser, ShowsTheReplayingNodeAndTheKillSwitchNeedsTheToken) {
  if (kestrel::testing::find_chromium().empty()) GTEST_SKIP() << "chromium is not installed (scripts/install-deps.sh)";
  kestrel::testing::TempDir dir;
  kestrel::testing::write_file(dir / "paper.toml", kestrel::testing::sample_paper_config(dir.path(), "dashboard-test", "journal = \"" + (dir / "journal.db").string() + "\"\n"));
  const std::string exe = KESTREL_BINARY;
  const std::string token = "dash-" + std::to_string(::getpid()) + "-token";
  kestrel::testing::write_file(dir / "token", token + "\n");

  // The node starts replaying; the server follows its journal as soon as it exists.
  kestrel::testing::BackgroundProcess node(exe + " -q trade replay --config " + (dir / "paper.toml").string() + " > " +
                  (dir / "node.log").string() + " 2>&1");
  for (int i = 0; i < 200 && !std::filesystem::exists(dir / "journal.db"); ++i) std::this_thread::sleep_for(20ms);
  kestrel::testing::BackgroundProcess serve(exe + " serve --config " + (dir / "paper.toml").string() + " --port 0 --refresh 0.2 --token-file " +
                   (dir / "token").string() + " > " + (dir / "serve.log").string() + " 2>&1");
  const int port = served_port(dir / "serve.log");
  ASSERT_GT(port, 0) << read_file(dir / "serve.log");
  const std::string url = fmt::format("http://127.0.0.1:{}/", port);

  HeadlessBrowser browser(dir / "profile");
  ASSERT_TRUE(browser.ok()) << browser.error();
  ASSERT_TRUE(browser.navigate(url)) << browser.error();
  ASSERT_TRUE(browser.wait_for("document.documentElement.dataset.updates", 20s))
      << browser.error() << "\n" << browser.evaluate("location.href + ' ' + document.documentElement.outerHTML.length + ' ' + document.readyState + ' ' + typeof uPlot")->dump()
      << "\n" << ::testing::PrintToString(browser.console()) << "\n" << read_file(dir / "serve.log");

  // The node finishes; the page catches up with the journal by itself.
  ASSERT_EQ(node.wait(), 0) << read_file(dir / "node.log");
  auto journal = store::Journal::open_existing((dir / "journal.db").string());
  ASSERT_TRUE(journal) << journal.error().message;
  const auto run = journal->latest_run();
  ASSERT_TRUE(run && *run);
  const auto days = journal->days((*run)->run_id);
  ASSERT_TRUE(days && !days->empty());
  const auto positions = journal->positions((*run)->run_id, days->back().date);
  ASSERT_TRUE(positions);
  const std::string sessions = std::to_string(days->size());
  ASSERT_TRUE(browser.wait_for("document.documentElement.dataset.sessions === '" + sessions + "'", 20s))
      << browser.error() << " sessions shown: " << browser.evaluate("document.documentElement.dataset.sessions")->dump();

  EXPECT_EQ(browser.evaluate("document.documentElement.dataset.equity")->get<std::string>(),
            fmt::format("{:.2f}", days->back().equity));
  EXPECT_EQ(browser.evaluate("document.getElementById('equity').textContent")->get<std::string>(),
            dollars(days->back().equity));
  EXPECT_EQ(browser.evaluate("document.documentElement.dataset.rendered")->get<std::string>(),
            "drawdown,equity,hit-rate");
  EXPECT_EQ(browser.evaluate("document.querySelectorAll('#chart-equity canvas').length")->get<int>(), 1);
  EXPECT_GT(browser.evaluate("document.querySelector('#chart-equity canvas').width")->get<int>(), 600);
  // One row per journaled position, with its ticker first.
  const auto tickers = *browser.evaluate(
      "Array.from(document.querySelectorAll('#positions tbody tr')).map(r => r.cells[0].textContent)");
  ASSERT_EQ(tickers.size(), positions->size());
  for (std::size_t k = 0; k < positions->size(); ++k) EXPECT_EQ(tickers[k], (*positions)[k].ticker);
  EXPECT_EQ(browser.evaluate("document.getElementById('risk-badge').textContent")->get<std::string>(), "trading");
  EXPECT_EQ(browser.evaluate("document.getElementById('models').tBodies[0].rows[0].cells[0].textContent")->get<std::string>(),
            "logistic_regression");
  // No table wider than the page.
  EXPECT_TRUE(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")->get<bool>());

  // The kill switch through the page: confirmation accepted, first without the token.
  ASSERT_TRUE(browser.evaluate("window.confirm = () => true; true"));
  ASSERT_TRUE(browser.evaluate("document.getElementById('kill').click(); true"));
  ASSERT_TRUE(browser.wait_for("document.getElementById('control-result').dataset.status === '401'", 10s))
      << browser.evaluate("document.getElementById('control-result').textContent")->dump();
  auto controls = journal->pending_controls((*run)->run_id);
  ASSERT_TRUE(controls);
  EXPECT_TRUE(controls->empty());

  ASSERT_TRUE(browser.evaluate("document.getElementById('token').value = '" + token + "'; true"));
  ASSERT_TRUE(browser.evaluate("document.getElementById('kill').click(); true"));
  ASSERT_TRUE(browser.wait_for("document.getElementById('control-result').dataset.status === '202'", 10s))
      << browser.evaluate("document.getElementById('control-result').textContent")->dump();
  controls = journal->pending_controls((*run)->run_id);
  ASSERT_TRUE(controls);
  ASSERT_EQ(controls->size(), 1u);
  EXPECT_EQ(controls->front().action, "kill");
  EXPECT_TRUE(browser.wait_for("document.getElementById('halt-reason').textContent.includes('waiting for the node')", 10s));

  // What a person would look at, kept out of git (the build folder).
  const auto shot = browser.screenshot();
  if (shot) {
    std::filesystem::create_directories(KESTREL_BUILD_DIR "/test-artifacts");
    std::ofstream(KESTREL_BUILD_DIR "/test-artifacts/dashboard.png", std::ios::binary) << *shot;
  }

  // The page wrote nothing to the console apart from the refused request (Chromium reports a
  // 401 answer as a failed resource), and threw nothing.
  for (const auto& line : browser.console()) {
    const bool the_refusal = line.find("401") != std::string::npos && line.find("/api/kill") != std::string::npos;
    EXPECT_TRUE(the_refusal) << line << "\n" << read_file(dir / "serve.log");
  }
  EXPECT_EQ(browser.evaluate("document.documentElement.dataset.errors || ''")->get<std::string>(), "");
  EXPECT_EQ(read_file(dir / "serve.log").find(token), std::string::npos);
}

}  // namespace
}  // namespace kestrel::server
