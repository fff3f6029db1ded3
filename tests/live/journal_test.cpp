// The trading journal: versioned schema, all-or-nothing writes, and rows that a re-run must
// reproduce rather than overwrite.
#include <gtest/gtest.h>

#include "store/journal.hpp"
#include "store/sqlite.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

store::JournalRun a_run(const std::string& id) {
  return {.run_id = id, .mode = "replay", .name = "t", .config_hash = "h1", .config_text = "x = 1",
          .first_date = core::Date::from_ymd(2019, 1, 2), .last_date = core::Date::from_ymd(2019, 12, 31),
          .created_at = "2026-11-27T10:00:00Z", .finished = false};
}

store::JournalOrder an_order(std::int64_t id, double quantity) {
  return {.order_id = id, .client_order_id = "r1-" + std::to_string(id), .date = core::Date::from_ymd(2019, 1, 2),
          .created_ns = 5, .ticker = "AAPL", .side = "buy", .type = "market", .tif = "day", .tag = "signal",
          .origin = "strategy", .quantity = quantity, .limit_price = 0, .stop_price = 0, .parent = 0};
}

TEST(Journal, ARerunRowIsCheckedNotWrittenTwice) {
  TempDir dir;
  auto journal = store::Journal::open(dir / "j.db");
  ASSERT_TRUE(journal) << journal.error().message;
  ASSERT_TRUE(journal->create_run(a_run("r1")));
  ASSERT_TRUE(journal->begin());
  ASSERT_TRUE(journal->put_order("r1", an_order(1, 10)));
  ASSERT_TRUE(journal->commit());
  // The same row again (a restarted node re-deriving it): accepted, not duplicated.
  ASSERT_TRUE(journal->begin());
  auto same = an_order(1, 10);
  same.created_ns = 999;  // wall-clock times are not part of a row's identity
  ASSERT_TRUE(journal->put_order("r1", same));
  // A different decision for the same order id: refused, with both versions.
  auto diverged = journal->put_order("r1", an_order(1, 11));
  ASSERT_FALSE(diverged);
  EXPECT_NE(diverged.error().message.find("differs from what the re-run derived"), std::string::npos);
  EXPECT_NE(diverged.error().message.find("10.000000"), std::string::npos);
  EXPECT_NE(diverged.error().message.find("11.000000"), std::string::npos);
  journal->rollback();
  auto orders = journal->orders("r1");
  ASSERT_TRUE(orders);
  ASSERT_EQ(orders->size(), 1u);
  EXPECT_EQ((*orders)[0].created_ns, 5);
}

TEST(Journal, AnUncommittedStepLeavesNothing) {
  TempDir dir;
  {
    auto journal = store::Journal::open(dir / "j.db");
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->create_run(a_run("r1")));
    ASSERT_TRUE(journal->begin());
    ASSERT_TRUE(journal->put_order("r1", an_order(1, 10)));
    ASSERT_TRUE(journal->put_day("r1", {.date = core::Date::from_ymd(2019, 1, 2), .equity = 1, .cash = 1}));
    // Closed without commit, as a killed process would leave it.
  }
  auto journal = store::Journal::open(dir / "j.db");
  ASSERT_TRUE(journal);
  EXPECT_TRUE(journal->orders("r1")->empty());
  EXPECT_TRUE(journal->days("r1")->empty());
}

TEST(Journal, SchemaIsVersionedAndANewerOneIsRefused) {
  TempDir dir;
  { ASSERT_TRUE(store::Journal::open(dir / "j.db")); }
  {
    auto db = store::sqlite::Database::open(dir / "j.db", store::sqlite::Database::Mode::ReadWriteCreate);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("UPDATE journal_meta SET value = '99' WHERE key = 'schema_version'"));
  }
  auto journal = store::Journal::open(dir / "j.db");
  ASSERT_FALSE(journal);
  EXPECT_NE(journal.error().message.find("journal schema v99 is newer than this kestrel"), std::string::npos)
      << journal.error().message;
  EXPECT_FALSE(store::Journal::open_existing(dir / "missing.db"));
}

TEST(Journal, UnfinishedRunsAreFoundByModeConfigAndRange) {
  TempDir dir;
  auto journal = store::Journal::open(dir / "j.db");
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->create_run(a_run("r1")));
  const auto range = std::pair{core::Date::from_ymd(2019, 1, 2), core::Date::from_ymd(2019, 12, 31)};
  EXPECT_EQ((*journal->unfinished_run("replay", "h1", range))->run_id, "r1");
  EXPECT_FALSE(*journal->unfinished_run("replay", "other-config", range));
  EXPECT_FALSE(*journal->unfinished_run("paper", "h1", std::nullopt));
  ASSERT_TRUE(journal->mark_finished("r1"));
  EXPECT_FALSE(*journal->unfinished_run("replay", "h1", range));
}

TEST(Journal, ControlsAreConsumedOnce) {
  TempDir dir;
  auto journal = store::Journal::open(dir / "j.db");
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->create_run(a_run("r1")));
  ASSERT_TRUE(journal->request_control("r1", "kill", "2026-11-27T10:00:00Z"));
  auto pending = journal->pending_controls("r1");
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].action, "kill");
  ASSERT_TRUE(journal->consume_control((*pending)[0].id, "r1"));
  EXPECT_TRUE(journal->pending_controls("r1")->empty());
}

}  // namespace
}  // namespace kestrel::testing
