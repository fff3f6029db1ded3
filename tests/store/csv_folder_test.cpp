#include "store/csv_folder.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>

#include "store/input_file.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using ::testing::HasSubstr;

// Bit patterns, so the fast number parser must agree with std::from_chars to the last bit.
std::uint64_t bits(double v) { return std::bit_cast<std::uint64_t>(v); }

void expect_same_bars(const std::vector<Bar>& got, const std::vector<Bar>& want, const std::string& ticker) {
  ASSERT_EQ(got.size(), want.size()) << ticker;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Bar& g = got[i];
    const Bar& w = want[i];
    ASSERT_EQ(g.date, w.date) << ticker << " bar " << i;
    ASSERT_EQ(bits(g.open), bits(w.open)) << ticker << " " << w.date.to_string();
    ASSERT_EQ(bits(g.high), bits(w.high)) << ticker << " " << w.date.to_string();
    ASSERT_EQ(bits(g.low), bits(w.low)) << ticker << " " << w.date.to_string();
    ASSERT_EQ(bits(g.close), bits(w.close)) << ticker << " " << w.date.to_string();
    ASSERT_EQ(bits(g.adj_close), bits(w.adj_close)) << ticker << " " << w.date.to_string();
    ASSERT_EQ(bits(g.volume), bits(w.volume)) << ticker << " " << w.date.to_string();
  }
}

// The folder reader against parsing each file on its own with read_input_file (the importer's
// parser, numbers via std::from_chars), sectors and actions joined from the reference files.
void expect_matches_read_input_file(const std::filesystem::path& folder) {
  auto series = read_csv_folder(folder);
  ASSERT_TRUE(series.has_value()) << series.error().message;
  auto paths = expand_input_paths({folder});
  ASSERT_TRUE(paths.has_value());

  std::vector<BarFile> bar_files;
  std::map<std::string, std::string> sectors;
  std::map<std::string, std::vector<CorporateAction>> listed;
  for (const auto& path : *paths) {
    auto file = read_input_file(path);
    ASSERT_TRUE(file.has_value()) << file.error().message;
    if (auto* bars = std::get_if<BarFile>(&*file)) bar_files.push_back(std::move(*bars));
    if (auto* universe = std::get_if<UniverseFile>(&*file)) {
      for (const auto& info : universe->tickers) sectors[info.symbol] = info.sector;
    }
    if (auto* actions = std::get_if<CorporateActionsFile>(&*file)) {
      for (const auto& [ticker, action] : actions->actions) listed[ticker].push_back(action);
    }
  }

  ASSERT_EQ(series->size(), bar_files.size());
  std::size_t with_sector = 0, with_actions = 0;
  for (std::size_t i = 0; i < bar_files.size(); ++i) {
    const TickerSeries& s = (*series)[i];
    const BarFile& f = bar_files[i];
    ASSERT_EQ(s.symbol, f.ticker);
    EXPECT_EQ(s.sector, sectors.contains(f.ticker) ? sectors[f.ticker] : "") << f.ticker;
    with_sector += s.sector.empty() ? 0 : 1;
    expect_same_bars(s.bars, f.bars, f.ticker);

    std::vector<CorporateAction> want = f.actions;
    if (auto it = listed.find(f.ticker); it != listed.end()) want.insert(want.end(), it->second.begin(), it->second.end());
    std::ranges::stable_sort(want, {}, &CorporateAction::date);
    ASSERT_EQ(s.actions.size(), want.size()) << f.ticker;
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(s.actions[k].date, want[k].date) << f.ticker;
      EXPECT_EQ(bits(s.actions[k].dividend), bits(want[k].dividend)) << f.ticker;
      EXPECT_EQ(bits(s.actions[k].split_coefficient), bits(want[k].split_coefficient)) << f.ticker;
    }
    with_actions += s.actions.empty() ? 0 : 1;
  }
  // The comparison is only meaningful if the reference files were joined in.
  EXPECT_GT(with_sector, 0u);
  EXPECT_GT(with_actions, 0u);
}

TEST(CsvFolder, SameSeriesAsReadInputFileOnSample) { expect_matches_read_input_file(KESTREL_SAMPLE_DATA); }

// Every value of the full data set (2.25 M bars) through the fast path, bit for bit.
TEST(CsvFolder, SameSeriesAsReadInputFileOnFullUniverse) {
  const std::filesystem::path full = KESTREL_SOURCE_DIR "/../shared/data/us-daily";
  if (!std::filesystem::is_directory(full)) GTEST_SKIP() << "no " << full << " beside the clone";
  expect_matches_read_input_file(full);
}

TEST(CsvFolder, PanelHasSectorsAndUnionOfDates) {
  auto panel = load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel.has_value()) << panel.error().message;
  auto series = read_csv_folder(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(series.has_value());
  ASSERT_EQ(panel->num_tickers(), series->size());
  std::vector<core::Date> dates;
  for (const auto& s : *series) {
    for (const auto& bar : s.bars) dates.push_back(bar.date);
  }
  std::ranges::sort(dates);
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  ASSERT_TRUE(std::ranges::equal(panel->dates(), dates));
  const auto aapl = panel->ticker_index("AAPL");
  ASSERT_TRUE(aapl.has_value());
  EXPECT_FALSE(panel->sectors()[*aapl].empty());
}

// Files the fast path does not take (CRLF, blank lines, quotes, exponents, unsorted dates,
// Yahoo) give read_input_file's results; a bad value gives its file:line:column error.
TEST(CsvFolder, IrregularFilesAndErrors) {
  kestrel::testing::TempDir dir;
  kestrel::testing::write_file(dir.path() / "A.csv",
                   "date,open,high,low,close,adj_close,volume\r\n2020-01-03,1.5,2,1,1.5e0,1.25,+100\r\n\r\n"
                   "2020-01-02,\"1\",2,1,1,1,100\n");
  kestrel::testing::write_file(dir.path() / "B.csv",
                   "Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,1,2,1,1,1,100\n"
                   "2020-01-03,null,null,null,null,null,null\n");
  kestrel::testing::write_file(dir.path() / "C.csv", "date,open,high,low,close,adj_close,volume\n2020-01-06,0.1,0.2,0.1,0.3,0.3,7\n");
  kestrel::testing::write_file(dir.path() / "universe.csv", "ticker,name,sector\nA,\"Alpha, Inc.\",Tech\n");
  kestrel::testing::write_file(dir.path() / "corporate_actions.csv", "ticker,date,dividend,split_coefficient\nC,2020-01-06,0.5,1\n");
  expect_matches_read_input_file(dir.path());

  kestrel::testing::write_file(dir.path() / "D.csv", "date,open,high,low,close,adj_close,volume\n2020-01-02,1,2,1,1,1,100\n"
                                          "2020-01-03,1,2,x,1,1,100\n");
  auto bad = read_csv_folder(dir.path());
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error().message, HasSubstr("D.csv:3:16: field 'low': 'x' is not a number"));
}

}  // namespace
}  // namespace kestrel::store
