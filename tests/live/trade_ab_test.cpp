// `kestrel trade ab` and `kestrel trade compare`: two strategies traded side by side on separate
// books over a replayed year, and in paper mode as bars arrive; the comparison's numbers
// checked against the journals; an A/A run finds no difference.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include <fmt/format.h>

#include "store/journal.hpp"
#include "support/run_command.hpp"
#include "support/sample_data.hpp"
#include "support/sample_model.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

const std::string kExe = KESTREL_BINARY;

// The sample model's paper config; B holds 4 names at half the gross instead of 8.
std::string book_config(const TempDir& dir, const std::string& name, bool narrow) {
  std::string config = sample_paper_config(dir.path(), name);
  if (narrow) config = std::regex_replace(config, std::regex("top_k = 8\ngross = 0.78"), "top_k = 4\ngross = 0.39");
  return config;
}

std::vector<store::JournalDay> days_of(const std::filesystem::path& journal) {
  auto j = store::Journal::open_existing(journal.string());
  EXPECT_TRUE(j) << j.error().message;
  return *j->days((*j->latest_run())->run_id);
}

std::size_t fills_of(const std::filesystem::path& journal) {
  auto j = store::Journal::open_existing(journal.string());
  std::size_t fills = 0;
  const auto events = j->events((*j->latest_run())->run_id);
  for (const auto& e : *events) fills += e.kind == "fill";
  return fills;
}

// The markdown row of a book: its cells after the name.
std::vector<std::string> row_of(const std::string& report, const std::string& book) {
  const auto at = report.find("| " + book + " |");
  EXPECT_NE(at, std::string::npos) << book << "\n" << report;
  if (at == std::string::npos) return {};
  const std::string line = report.substr(at, report.find('\n', at) - at);
  std::vector<std::string> cells;
  std::regex cell(R"(\| ([^|]+?) (?=\|))");
  for (std::sregex_iterator it(line.begin(), line.end(), cell), end; it != end; ++it) cells.push_back((*it)[1]);
  return cells;
}

TEST(TradeAb, TwoStrategiesOnSeparateBooksOverAReplayedYearWithTheComparisonInAReport) {
  TempDir dir;
  write_file(dir / "a.toml", book_config(dir, "ab-top8", false));
  write_file(dir / "b.toml", book_config(dir, "ab-top4", true));
  const auto r = run_command(kExe + " -q trade ab --replay --from 2019-01-02 --to 2019-12-31 --a " +
                             (dir / "a.toml").string() + " --b " + (dir / "b.toml").string() + " --dir " +
                             (dir / "ab").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("over 252 common sessions"), std::string::npos) << r.output;
  const auto a = days_of(dir / "ab/a.db");
  const auto b = days_of(dir / "ab/b.db");
  ASSERT_EQ(a.size(), 252u);
  ASSERT_EQ(b.size(), 252u);

  // Book A is exactly what config A replayed alone does: the other book changed nothing.
  const auto alone = run_command(kExe + " -q trade replay --config " + (dir / "a.toml").string() +
                                 " --from 2019-01-02 --to 2019-12-31 --db " + (dir / "alone.db").string());
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  const auto solo = days_of(dir / "alone.db");
  ASSERT_EQ(solo.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(solo[i].equity, a[i].equity) << a[i].date.to_string();
  EXPECT_NE(a.back().equity, b.back().equity);

  // The report's numbers are the journals'.
  const std::string report = read_file(dir / "ab/ab-comparison.md");
  EXPECT_NE(report.find("# A/B comparison: ab-top8 against ab-top4"), std::string::npos) << report;
  EXPECT_NE(report.find("**Verdict:** "), std::string::npos) << report;
  EXPECT_EQ(report.find("FLAGGED"), std::string::npos) << report;
  for (const auto& [name, days, journal] : {std::tuple{"A: ab-top8", &a, dir / "ab/a.db"}, std::tuple{"B: ab-top4", &b, dir / "ab/b.db"}}) {
    const auto cells = row_of(report, name);
    ASSERT_GE(cells.size(), 9u) << report;
    EXPECT_EQ(cells[1], fmt::format("{:+.2f}%", 100 * (days->back().equity / days->front().equity - 1))) << name;
    EXPECT_EQ(cells[6], fmt::format("{}", fills_of(journal))) << name;
  }
  const auto benchmark = row_of(report, "buy-and-hold SPY");
  ASSERT_GE(benchmark.size(), 2u);
  EXPECT_EQ(benchmark[1], fmt::format("{:+.2f}%", 100 * (a.back().benchmark / a.front().benchmark - 1)));
  // The paired test's mean is the mean of the daily differences.
  double sum = 0;
  for (std::size_t i = 1; i < a.size(); ++i) sum += b[i].equity / b[i - 1].equity - a[i].equity / a[i - 1].equity;
  EXPECT_NE(report.find(fmt::format("mean daily return difference B - A: {:+.4f}%", 100 * sum / 251.0)), std::string::npos)
      << report;
  EXPECT_NE(report.find("sessions compared: 252 (2019-01-02 to 2019-12-31), 251 daily returns"), std::string::npos);
  const std::string html = read_file(dir / "ab/ab-comparison.html");
  std::size_t charts = 0;
  for (auto at = html.find("<svg class=\"chart\""); at != std::string::npos; at = html.find("<svg class=\"chart\"", at + 1)) ++charts;
  EXPECT_EQ(charts, 2u);  // equity, drawdowns

  // The same comparison from the journals, any time later.
  const auto again = run_command(kExe + " trade compare --a-db " + (dir / "ab/a.db").string() + " --b-db " +
                                 (dir / "ab/b.db").string() + " --out " + (dir / "later").string());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(read_file(dir / "later/ab-comparison.md"), report);
  // One run is not two books.
  const auto same = run_command(kExe + " trade compare --a-db " + (dir / "ab/a.db").string() + " --out " +
                                (dir / "same").string());
  EXPECT_NE(same.exit_code, 0);
  EXPECT_NE(same.output.find("A and B are the same run"), std::string::npos) << same.output;
}

TEST(TradeAb, AnAaRunFindsNoDifference) {
  TempDir dir;
  write_file(dir / "a.toml", book_config(dir, "aa", false));
  const auto r = run_command(kExe + " -q trade ab --replay --from 2019-06-03 --to 2019-12-31 --a " +
                             (dir / "a.toml").string() + " --b " + (dir / "a.toml").string() + " --dir " +
                             (dir / "aa").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("The two books had the same return every session: no difference."), std::string::npos)
      << r.output;
}

// Paper mode: both books trade the sessions as their bars arrive in the drop folder, each in
// its own journal, and stop when idle; the comparison covers the sessions both traded.
TEST(TradeAb, PaperBooksTradeTheSameNewSessionsSideBySide) {
  TempDir dir;
  sample_data_up_to(dir / "early", "2019-10-31");
  ASSERT_EQ(run_command(kExe + " -q data import --db " + (dir / "market.db").string() + " " + (dir / "early").string()).exit_code, 0);
  std::filesystem::copy(KESTREL_SAMPLE_DATA, dir / "drop");  // the rest of 2019 has arrived
  for (const auto& [file, narrow] : {std::pair{"a.toml", false}, std::pair{"b.toml", true}}) {
    std::string config = std::regex_replace(book_config(dir, narrow ? "paper-top4" : "paper-top8", narrow),
                                            std::regex("csv_dir = \"[^\"]*\""), "db = \"" + (dir / "market.db").string() + "\"");
    config += "start = \"2019-10-31\"\ndrop_dir = \"" + (dir / "drop").string() + "\"\n";
    write_file(dir / file, config);
  }
  const auto r = run_command(kExe + " -q trade ab --exit-when-idle --a " + (dir / "a.toml").string() + " --b " +
                             (dir / "b.toml").string() + " --dir " + (dir / "ab").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto a = days_of(dir / "ab/a.db");
  const auto b = days_of(dir / "ab/b.db");
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(a.front().date.to_string(), "2019-10-31");
  EXPECT_EQ(a.back().date.to_string(), "2019-12-31");
  EXPECT_NE(r.output.find(fmt::format("over {} common sessions", a.size())), std::string::npos) << r.output;
  const std::string report = read_file(dir / "ab/ab-comparison.md");
  EXPECT_NE(report.find("(paper), B: paper-top4 run"), std::string::npos) << report;
  // Two months: the comparison says that is too few to tell strategies apart.
  EXPECT_NE(report.find(fmt::format("FLAGGED: {} common sessions are too few", a.size())), std::string::npos) << report;
}

}  // namespace
}  // namespace kestrel::testing
