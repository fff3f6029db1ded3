#include "store/importer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
      {"negative price", kHeader + "2020-01-02,10,11,-9,10,10,100\n", "BAD.csv:2:18: field 'low': negative price"},
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

TEST(Import, ReadOnlyOpenOfMissingStoreExplains) {
  TempDir dir;
  auto store = MarketStore::open(dir / "none.db", MarketStore::Access::ReadOnly);
  ASSERT_FALSE(store.has_value());
  EXPECT_THAT(store.error().message, HasSubstr("no market-data store here"));
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

}  // namespace
}  // namespace kestrel::store
