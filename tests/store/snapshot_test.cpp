#include "store/snapshot.hpp"

#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/importer.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using core::Date;
using ::testing::HasSubstr;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

const std::string kSample = KESTREL_SAMPLE_DATA;

Date day(const char* text) { return *Date::parse(text); }

std::vector<TickerSeries> synthetic() {
  TickerSeries a{"AAA", "Tech", {}, {}};
  a.bars = {{day("2020-01-02"), 1, 2, 0.5, 1.5, 0.75, 100}, {day("2020-01-03"), 2, 3, 1, 2.5, 1.25, 200},
            {day("2020-01-06"), 1.5, 1.75, 1.25, 1.5, 1.5, 500}};
  a.actions = {{day("2020-01-03"), 0.1, 1}, {day("2020-01-06"), 0, 2}};
  TickerSeries b{"BRK.B", "Financials", {}, {}};
  b.bars = {{day("2020-01-03"), 200, 201, 199, 200.5, 200.5, 1e6}};
  return {a, b};
}

// Same shape, names, dates, and the same bits in every value (NaN included).
void expect_identical(const Panel& a, const Panel& b) {
  ASSERT_EQ(a.num_dates(), b.num_dates());
  ASSERT_EQ(a.num_tickers(), b.num_tickers());
  EXPECT_EQ(a.tickers(), b.tickers());
  EXPECT_EQ(a.sectors(), b.sectors());
  for (std::size_t t = 0; t < a.num_dates(); ++t) EXPECT_EQ(a.dates()[t], b.dates()[t]);
  for (std::size_t f = 0; f < kFieldCount; ++f) {
    for (std::size_t i = 0; i < a.num_tickers(); ++i) {
      const auto x = a.series(static_cast<Field>(f), i);
      const auto y = b.series(static_cast<Field>(f), i);
      EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size_bytes()), 0)
          << to_string(static_cast<Field>(f)) << " of " << a.tickers()[i];
    }
  }
}

MarketStore open_store(const std::filesystem::path& db) {
  auto store = MarketStore::open(db, MarketStore::Access::ReadWrite);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return std::move(*store);
}

void import(MarketStore& store, const std::filesystem::path& path) {
  auto report = import_paths(store, {path}, {.show_progress = false});
  ASSERT_TRUE(report.has_value()) << report.error().message;
}

// Flips one byte of a file.
void corrupt(const std::filesystem::path& file, std::size_t offset) {
  std::string bytes = read_file(file);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] = static_cast<char>(bytes[offset] ^ 0x20);
  write_file(file, bytes);
}

TEST(Snapshot, RoundTripIsBitForBitAndMapsTheValuesWithoutCopying) {
  TempDir dir;
  const Panel built = Panel::build(synthetic());
  ASSERT_TRUE(write_snapshot(built, dir / "p.snapshot"));
  auto loaded = Panel::load(dir / "p.snapshot");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  expect_identical(built, *loaded);
  EXPECT_NE(loaded->series(Field::Open, 0).data(), built.series(Field::Open, 0).data());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(loaded->series(Field::Open, 0).data()) % 64, 0u);
  EXPECT_EQ(loaded->ticker_index("BRK.B"), 1u);
  EXPECT_TRUE(std::isnan(loaded->value(Field::Close, 1, 0)));
  EXPECT_DOUBLE_EQ(loaded->value(Field::SplitFactor, 0, 1), 2);
  const auto entries = std::distance(std::filesystem::directory_iterator(dir.path()), {});
  EXPECT_EQ(entries, 1) << "no temporary file left behind";
}

TEST(Snapshot, EmptyPanelRoundTrips) {
  TempDir dir;
  ASSERT_TRUE(write_snapshot(Panel::build({}), dir / "e.snapshot"));
  auto loaded = Panel::load(dir / "e.snapshot");
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
  EXPECT_EQ(loaded->num_dates(), 0u);
  EXPECT_EQ(loaded->num_tickers(), 0u);
}

TEST(Snapshot, ACorruptByteAnywhereFailsTheChecksum) {
  TempDir dir;
  ASSERT_TRUE(write_snapshot(Panel::build(synthetic()), dir / "p.snapshot"));
  const auto size = std::filesystem::file_size(dir / "p.snapshot");
  // The last value, a date, and the data_version field of the header.
  for (std::size_t offset : {static_cast<std::size_t>(size - 3), std::size_t{130}, std::size_t{48}}) {
    std::filesystem::copy_file(dir / "p.snapshot", dir / "c.snapshot",
                               std::filesystem::copy_options::overwrite_existing);
    corrupt(dir / "c.snapshot", offset);
    auto loaded = Panel::load(dir / "c.snapshot");
    ASSERT_FALSE(loaded.has_value()) << "byte " << offset;
    EXPECT_THAT(loaded.error().message, HasSubstr("checksum mismatch")) << "byte " << offset;
  }
}

TEST(Snapshot, TruncatedForeignAndMissingFilesAreClearErrors) {
  TempDir dir;
  ASSERT_TRUE(write_snapshot(Panel::build(synthetic()), dir / "p.snapshot"));
  const std::string bytes = read_file(dir / "p.snapshot");

  write_file(dir / "t.snapshot", bytes.substr(0, bytes.size() - 8));
  auto truncated = Panel::load(dir / "t.snapshot");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_THAT(truncated.error().message, HasSubstr("t.snapshot: snapshot is truncated"));

  write_file(dir / "h.snapshot", bytes.substr(0, 100));
  auto header_only = Panel::load(dir / "h.snapshot");
  ASSERT_FALSE(header_only.has_value());
  EXPECT_THAT(header_only.error().message, HasSubstr("truncated"));

  write_file(dir / "f.snapshot", std::string(200, 'x'));
  auto foreign = Panel::load(dir / "f.snapshot");
  ASSERT_FALSE(foreign.has_value());
  EXPECT_THAT(foreign.error().message, HasSubstr("not a Kestrel snapshot"));

  std::string future = bytes;
  future[16] = 9;  // format version
  write_file(dir / "v.snapshot", future);
  auto newer = Panel::load(dir / "v.snapshot");
  ASSERT_FALSE(newer.has_value());
  EXPECT_THAT(newer.error().message, HasSubstr("snapshot format v9"));

  auto missing = Panel::load(dir / "none.snapshot");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing.error().message, HasSubstr("none.snapshot: cannot open snapshot"));
}

TEST(Snapshot, BuiltFromTheStoreMatchesItsBarsAndActions) {
  TempDir dir;
  auto store = open_store(dir / "k.db");
  import(store, kSample);
  auto panel = build_panel_from_store(store);
  ASSERT_TRUE(panel.has_value()) << panel.error().message;
  EXPECT_EQ(panel->num_tickers(), 22u);
  EXPECT_EQ(panel->store_id(), *store.store_id());
  EXPECT_EQ(panel->store_data_version(), 1u);

  const auto aapl = *panel->ticker_index("AAPL");
  EXPECT_EQ(panel->sectors()[aapl], "Information Technology");
  const auto bars = *store.bars("AAPL");
  std::size_t present = 0;
  for (std::size_t t = 0; t < panel->num_dates(); ++t) present += panel->has_bar(aapl, t);
  EXPECT_EQ(present, bars.size());
  const Bar& last = bars.back();
  const auto t = *panel->date_index(last.date);
  EXPECT_EQ(panel->value(Field::Close, aapl, t), last.close);
  EXPECT_EQ(panel->value(Field::AdjClose, aapl, t), last.adj_close);
  EXPECT_EQ(panel->value(Field::Volume, aapl, t), last.volume);

  // AAPL's 7-for-1 split of 2014-06-09 (7.000007 in the source).
  const auto before = *panel->date_index(day("2014-06-06"));
  EXPECT_DOUBLE_EQ(panel->value(Field::SplitFactor, aapl, before), 7.000007);
  EXPECT_DOUBLE_EQ(panel->value(Field::SplitFactor, aapl, before + 1), 1);
  // Raw prices in today's shares are continuous across the split (within a day's move).
  const double ratio = (panel->value(Field::Close, aapl, before + 1)) /
                       (panel->value(Field::Close, aapl, before) / panel->value(Field::SplitFactor, aapl, before));
  EXPECT_NEAR(ratio, 1.0, 0.05);
}

TEST(Snapshot, RefreshRebuildsOnlyWhenTheStoreChanges) {
  TempDir dir;
  const auto db = dir / "k.db";
  const auto snap = dir / "k.db.snapshot";
  {
    auto store = open_store(db);
    import(store, kSample);
    auto first = refresh_snapshot(store, snap);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_TRUE(first->rebuilt);
    EXPECT_THAT(first->reason, HasSubstr("no snapshot yet"));
    auto in_memory = build_panel_from_store(store);
    ASSERT_TRUE(in_memory.has_value());
    expect_identical(*in_memory, first->panel);

    auto second = refresh_snapshot(store, snap);
    ASSERT_TRUE(second.has_value());
    EXPECT_FALSE(second->rebuilt);

    // Re-importing the same data changes nothing, so the snapshot stays.
    import(store, kSample);
    auto third = refresh_snapshot(store, snap);
    ASSERT_TRUE(third.has_value());
    EXPECT_FALSE(third->rebuilt) << third->reason;

    auto forced = refresh_snapshot(store, snap, {.force = true});
    ASSERT_TRUE(forced.has_value());
    EXPECT_TRUE(forced->rebuilt);
  }
  auto unchanged = open_research_panel(db, snap);
  ASSERT_TRUE(unchanged.has_value()) << unchanged.error().message;
  EXPECT_EQ(unchanged->store_data_version(), 1u);

  // An import that appends a day bumps the data version: the snapshot is rebuilt with it.
  {
    auto store = open_store(db);
    write_file(dir / "in/AAPL.csv", "date,open,high,low,close,adj_close,volume\n2020-01-02,1,2,0.5,1.5,1.5,10\n");
    import(store, dir / "in");
    auto after = refresh_snapshot(store, snap);
    ASSERT_TRUE(after.has_value()) << after.error().message;
    EXPECT_TRUE(after->rebuilt);
    EXPECT_THAT(after->reason, HasSubstr("store changed (data version 1 -> 2)"));
  }
  auto changed = open_research_panel(db, snap);
  ASSERT_TRUE(changed.has_value()) << changed.error().message;
  EXPECT_EQ(changed->store_data_version(), 2u);
  EXPECT_EQ(changed->dates().back(), day("2020-01-02"));
  EXPECT_DOUBLE_EQ(changed->value(Field::Close, *changed->ticker_index("AAPL"), changed->num_dates() - 1), 1.5);

  // A damaged snapshot is derived data: it is rebuilt, not fatal.
  corrupt(snap, std::filesystem::file_size(snap) - 1);
  auto store = open_store(db);
  auto repaired = refresh_snapshot(store, snap);
  ASSERT_TRUE(repaired.has_value()) << repaired.error().message;
  EXPECT_TRUE(repaired->rebuilt);
  EXPECT_THAT(repaired->reason, HasSubstr("checksum mismatch"));
}

TEST(Snapshot, ASnapshotOfAnotherStoreIsRebuilt) {
  TempDir dir;
  auto first = open_store(dir / "a.db");
  import(first, kSample);
  ASSERT_TRUE(refresh_snapshot(first, dir / "shared.snapshot"));
  auto second = open_store(dir / "b.db");
  import(second, kSample);
  auto other = refresh_snapshot(second, dir / "shared.snapshot");
  ASSERT_TRUE(other.has_value()) << other.error().message;
  EXPECT_TRUE(other->rebuilt);
  EXPECT_THAT(other->reason, HasSubstr("another store"));
  EXPECT_EQ(other->panel.store_id(), *second.store_id());
}

TEST(DataSnapshotCommand, RebuildsOnlyWhenNeededAndSaysWhy) {
  TempDir dir;
  {
    auto store = open_store(dir / "k.db");
    import(store, kSample);
  }
  const std::string snapshot = std::string(KESTREL_BINARY) + " -q data snapshot --db " + (dir / "k.db").string();
  const auto first = testing::run_command(snapshot);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("rebuilt " + (dir / "k.db.snapshot").string() + ": no snapshot yet"));
  EXPECT_THAT(first.output, HasSubstr("2516 dates x 22 tickers x 8 fields"));
  EXPECT_THAT(first.output, HasSubstr("dates 2010-01-04 .. 2019-12-31"));

  const auto second = testing::run_command(snapshot);
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("k.db.snapshot: up to date with data version 1"));

  const auto other = testing::run_command(snapshot + " --force --out " + (dir / "o/x.snap").string());
  EXPECT_EQ(other.exit_code, 0) << other.output;
  EXPECT_THAT(other.output, HasSubstr("x.snap: rebuild forced"));
  EXPECT_TRUE(std::filesystem::exists(dir / "o/x.snap"));

  const auto missing = testing::run_command(std::string(KESTREL_BINARY) + " data snapshot --db " +
                                            (dir / "none.db").string());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("kestrel: error: "));
}

// The benchmark programs run end to end on the sample data (their figures are not checked).
TEST(BenchCommands, ImportAndSnapshotBenchmarksRun) {
  TempDir dir;
  const std::string kestrel = std::string(KESTREL_BINARY) + " -q bench ";
  const auto import_bench =
      testing::run_command(kestrel + "import --data " + kSample + " --db " + (dir / "k.db").string());
  EXPECT_EQ(import_bench.exit_code, 0) << import_bench.output;
  EXPECT_THAT(import_bench.output, HasSubstr("rows 55348"));
  const auto again = testing::run_command(kestrel + "import --data " + kSample + " --db " + (dir / "k.db").string());
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.output, HasSubstr("already exists"));

  const auto snapshot_bench = testing::run_command(kestrel + "snapshot --repeat 2 --db " + (dir / "k.db").string());
  EXPECT_EQ(snapshot_bench.exit_code, 0) << snapshot_bench.output;
  EXPECT_THAT(snapshot_bench.output, HasSubstr("built, no snapshot yet"));
  EXPECT_THAT(snapshot_bench.output, HasSubstr("warm load (mmap + verify checksum), 2 runs"));
}

}  // namespace
}  // namespace kestrel::store
