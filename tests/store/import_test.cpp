#include "store/importer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using ::testing::HasSubstr;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

const std::string kSample = KESTREL_SAMPLE_DATA;
const std::string kHeader = "date,open,high,low,close,adj_close,volume\n";

MarketStore open_store(const std::filesystem::path& db) {
  auto store = MarketStore::open(db, MarketStore::Access::ReadWrite);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return std::move(*store);
}

TEST(Import, SampleDataRoundTripsAndReimportIsIdempotent) {
  TempDir dir;
  auto store = open_store(dir / "k.db");
  auto report = import_paths(store, {kSample}, {.show_progress = false});
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->bar_files, 22u);
  EXPECT_EQ(report->rows_read, 55348u);  // as stated by the sample data's README
  EXPECT_EQ(report->written.bars_inserted, 55348);
  EXPECT_EQ(report->written.data_version, 1u);

  auto universe = store.universe();
  ASSERT_TRUE(universe.has_value());
  ASSERT_EQ(universe->size(), 22u);
  const auto& aapl = (*universe)[0];
  EXPECT_EQ(aapl.info.symbol, "AAPL");
  EXPECT_EQ(aapl.info.sector, "Information Technology");
  EXPECT_EQ(aapl.first_date->to_string(), "2010-01-04");
  EXPECT_EQ(aapl.last_date->to_string(), "2019-12-31");

  auto bars = store.bars("AAPL", core::Date::parse("2019-12-31"));
  ASSERT_EQ(bars->size(), 1u);
  EXPECT_DOUBLE_EQ((*bars)[0].close, (*bars)[0].adj_close);  // anchored at the last day

  auto again = import_paths(store, {kSample}, {.show_progress = false});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->written.bars_inserted, 0);
  EXPECT_EQ(again->written.bars_updated, 0);
  EXPECT_EQ(again->written.bars_unchanged, 55348);
  EXPECT_EQ(again->written.data_version, 1u) << "no change must not bump the data version";
}

TEST(Import, AppendsNewDaysAndUpdatesCorrectedOnes) {
  TempDir dir;
  auto store = open_store(dir / "k.db");
  write_file(dir / "in/XYZ.csv", kHeader + "2019-12-27,10,11,9,10,10,100\n2019-12-30,10,11,9,10,10,100\n");
  ASSERT_TRUE(import_paths(store, {dir / "in"}, {.show_progress = false}));
  write_file(dir / "in/XYZ.csv", kHeader + "2019-12-30,10,11,9,10.5,10.5,100\n2019-12-31,10,11,9,10,10,100\n");
  auto second = import_paths(store, {dir / "in"}, {.show_progress = false});
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->written.bars_inserted, 1);
  EXPECT_EQ(second->written.bars_updated, 1);
  EXPECT_EQ(second->written.data_version, 2u);
  auto bars = store.bars("XYZ");
  ASSERT_EQ(bars->size(), 3u);
  EXPECT_DOUBLE_EQ((*bars)[1].close, 10.5);
}

// Every kind of corrupt file: the import fails with file:line:column and the store file is
// byte-for-byte what it was.
TEST(Import, CorruptFileLeavesStoreByteForByteUnchanged) {
  TempDir dir;
  const auto db = dir / "k.db";
  {
    auto store = open_store(db);
    ASSERT_TRUE(import_paths(store, {kSample}, {.show_progress = false}));
  }
  const std::string before = read_file(db);
  const std::string good = kHeader + "2020-01-02,10,11,9,10,10,100\n";
  struct Case {
    std::string name, body, expected;
  } cases[] = {
      {"truncated line", kHeader + "2020-01-02,10,11,9,10,10,100\n2020-01-03,10,11", "BAD.csv:3:17: expected 7 fields"},
      {"text in a number", kHeader + "2020-01-02,10,11,9,ten,10,100\n", "BAD.csv:2:20: field 'close': 'ten' is not a number"},
      {"negative price", kHeader + "2020-01-02,10,11,-9,10,10,100\n",
       "BAD.csv:2:18: field 'low': price must be positive, got -9"},
      {"zero price", kHeader + "2020-01-02,10,11,9,0,10,100\n", "BAD.csv:2:20: field 'close': price must be positive, got 0"},
      {"infinite price", kHeader + "2020-01-02,10,inf,9,10,10,100\n", "BAD.csv:2:15: field 'high': 'inf' is not a number"},
      {"absurd volume", kHeader + "2020-01-02,10,11,9,10,10,1e308\n",
       "BAD.csv:2:26: field 'volume': volume 1e+308 is beyond any day's trading"},
      {"year 1", kHeader + "0001-01-02,10,11,9,10,10,100\n", "BAD.csv:2:1: field 'date': date 0001-01-02 is outside 1900..2100"},
      {"year 9999", kHeader + "9999-12-31,10,11,9,10,10,100\n", "BAD.csv:2:1: field 'date': date 9999-12-31 is outside"},
      {"header only", kHeader, "BAD.csv: no bars (header only)"},
      {"duplicate date", kHeader + "2020-01-02,10,11,9,10,10,100\n2020-01-02,10,11,9,10,10,100\n",
       "BAD.csv:3:1: field 'date': duplicate date 2020-01-02 (also on line 2)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove_all(dir / "in");
    write_file(dir / "in/AAA.csv", good);  // a good file in the same import is not written either
    write_file(dir / "in/BAD.csv", c.body);
    auto store = open_store(db);
    auto result = import_paths(store, {dir / "in"}, {.show_progress = false});
    ASSERT_FALSE(result.has_value());
    EXPECT_THAT(result.error().message, HasSubstr(c.expected));
    EXPECT_THAT(result.error().message, HasSubstr("store unchanged"));
    EXPECT_FALSE(store.last_date("AAA").value().has_value());
  }
  EXPECT_EQ(read_file(db), before);
}

TEST(Import, RefusesWhatWouldCreateATickerWithoutData) {
  TempDir dir;
  auto store = open_store(dir / "k.db");
  write_file(dir / "in/AAA.csv", kHeader + "2020-01-02,10,11,9,10,10,100\n");
  write_file(dir / "in/corporate_actions.csv", "ticker,date,dividend,split_coefficient\nAAA,2020-01-02,0.1,1\n"
                                               "ZZZ,2020-01-02,0.5,1\n");
  auto result = import_paths(store, {dir / "in"}, {.show_progress = false});
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("corporate_actions.csv:3: field 'ticker': ZZZ has no bars"));
  EXPECT_FALSE(store.last_date("AAA").value().has_value());
  // Quality flags for a ticker the data excluded (us-daily flags BF.B) are kept, with a warning.
  std::filesystem::remove(dir / "in/corporate_actions.csv");
  write_file(dir / "in/quality_flags.csv", "ticker,date,flag,detail\nBF.B,,ticker_excluded,no prices\n");
  auto kept = import_paths(store, {dir / "in"}, {.show_progress = false});
  ASSERT_TRUE(kept) << kept.error().message;
  ASSERT_EQ(kept->warnings.size(), 1u);
  EXPECT_THAT(kept->warnings[0], HasSubstr("quality_flags.csv:2: field 'ticker': BF.B has no bars"));
}

TEST(Import, DuplicateUniverseRowsAndBrokenLinksAreErrors) {
  TempDir dir;
  auto store = open_store(dir / "k.db");
  write_file(dir / "in/universe.csv", "ticker,name,sector\nAAA,A Inc,Tech\nBBB,B Inc,Energy\nAAA,A Corp,Tech\n");
  auto dup = import_paths(store, {dir / "in/universe.csv"}, {.show_progress = false});
  ASSERT_FALSE(dup);
  EXPECT_THAT(dup.error().message, HasSubstr("universe.csv:4:1: field 'ticker': duplicate ticker AAA (also on line 2)"));
  std::filesystem::remove(dir / "in/universe.csv");
  write_file(dir / "in/AAA.csv", kHeader + "2020-01-02,10,11,9,10,10,100\n");
  std::filesystem::create_symlink(dir / "gone.csv", dir / "in/BBB.csv");
  auto broken = import_paths(store, {dir / "in"}, {.show_progress = false});
  ASSERT_FALSE(broken);
  EXPECT_THAT(broken.error().message, HasSubstr("BBB.csv: broken symbolic link"));
}

TEST(Import, ACreatedStoreNeedsAnExistingFolder) {
  TempDir dir;
  auto store = MarketStore::open(dir / "no/such/folder/k.db", MarketStore::Access::ReadWrite);
  ASSERT_FALSE(store);
  EXPECT_THAT(store.error().message, HasSubstr("does not exist"));
  EXPECT_FALSE(std::filesystem::exists(dir / "no"));
}

TEST(ImportCommand, ABadImportCreatesNoStoreFileAndErrorsFollowTheFormat) {
  TempDir dir;
  write_file(dir / "in/BAD.csv", kHeader + "2020-01-02,10,11,9,ten,10,100\n");
  const auto r = testing::run_command(std::string(KESTREL_BINARY) + " -q data import --db " + (dir / "k.db").string() + " " +
                             (dir / "in").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("kestrel: error: import rejected"));
  EXPECT_FALSE(std::filesystem::exists(dir / "k.db")) << "a failed import left a store file behind";
  // Usage errors have the same shape, and the global --config may follow the subcommand.
  const auto usage = testing::run_command(std::string(KESTREL_BINARY) + " data import --no-such-flag");
  EXPECT_NE(usage.exit_code, 0);
  EXPECT_EQ(usage.output.rfind("kestrel: error: ", 0), 0u) << usage.output;
  write_file(dir / "c.toml", "[data]\ndb = \"" + (dir / "k.db").string() + "\"\n");
  write_file(dir / "ok/AAA.csv", kHeader + "2020-01-02,10,11,9,10,10,100\n");
  const auto after = testing::run_command(std::string(KESTREL_BINARY) + " -q data import " + (dir / "ok").string() +
                                 " --config " + (dir / "c.toml").string());
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "k.db"));
}

TEST(Import, ReadOnlyOpenOfMissingStoreExplains) {
  TempDir dir;
  auto store = MarketStore::open(dir / "none.db", MarketStore::Access::ReadOnly);
  ASSERT_FALSE(store.has_value());
  EXPECT_THAT(store.error().message, HasSubstr("no market-data store here"));
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

}  // namespace
}  // namespace kestrel::store
