// The trading journal: versioned schema, all-or-nothing writes, and rows that a re-run must
// reproduce rather than overwrite — each test on SQLite and on PostgreSQL (the suite's
// throwaway server, tests/support/postgres_server.sh).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "store/journal.hpp"
#include "support/temp_dir.hpp"
#include "support/test_postgres.hpp"

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

// A fresh journal location on one backend: a file in a temporary folder, or a new database.
class JournalOn : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    location_ = GetParam() == "PostgreSQL" ? fresh_postgres_database() : (dir_ / "j.db").string();
  }
  const std::string& location() const { return location_; }
  // The journal's database without the journal, to tamper with it as an older or newer kestrel would.
  std::unique_ptr<store::JournalDatabase> raw() const {
    auto db = store::open_journal_database(location_, store::JournalDatabase::Durability::Full);
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(*db);
  }

 private:
  TempDir dir_;
  std::string location_;
};

INSTANTIATE_TEST_SUITE_P(Backends, JournalOn, ::testing::Values("SQLite", "PostgreSQL"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(JournalOn, ARerunRowIsCheckedNotWrittenTwice) {
  auto journal = store::Journal::open(location());
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

TEST_P(JournalOn, AnUncommittedStepLeavesNothing) {
  {
    auto journal = store::Journal::open(location());
    ASSERT_TRUE(journal);
    ASSERT_TRUE(journal->create_run(a_run("r1")));
    ASSERT_TRUE(journal->begin());
    ASSERT_TRUE(journal->put_order("r1", an_order(1, 10)));
    ASSERT_TRUE(journal->put_day("r1", {.date = core::Date::from_ymd(2019, 1, 2), .equity = 1, .cash = 1}));
    // Closed without commit, as a killed process would leave it.
  }
  auto journal = store::Journal::open(location());
  ASSERT_TRUE(journal);
  EXPECT_TRUE(journal->orders("r1")->empty());
  EXPECT_TRUE(journal->days("r1")->empty());
}

TEST_P(JournalOn, SchemaIsVersionedAndANewerOneIsRefused) {
  // Nothing there yet: not a journal, and looking does not make one.
  EXPECT_FALSE(store::Journal::open_existing(location()));
  EXPECT_FALSE(store::Journal::open_existing(location()));
  { ASSERT_TRUE(store::Journal::open(location())); }
  { ASSERT_TRUE(store::Journal::open_existing(location())); }
  ASSERT_TRUE(raw()->exec("UPDATE journal_meta SET value = '99' WHERE key = 'schema_version'"));
  auto journal = store::Journal::open(location());
  ASSERT_FALSE(journal);
  EXPECT_NE(journal.error().message.find("journal schema v99 is newer than this kestrel"), std::string::npos)
      << journal.error().message;
}

TEST_P(JournalOn, UnfinishedRunsAreFoundByModeConfigAndRange) {
  auto journal = store::Journal::open(location());
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->create_run(a_run("r1")));
  const auto range = std::pair{core::Date::from_ymd(2019, 1, 2), core::Date::from_ymd(2019, 12, 31)};
  EXPECT_EQ((*journal->unfinished_run("replay", "h1", range))->run_id, "r1");
  EXPECT_FALSE(*journal->unfinished_run("replay", "other-config", range));
  EXPECT_FALSE(*journal->unfinished_run("paper", "h1", std::nullopt));
  ASSERT_TRUE(journal->mark_finished("r1"));
  EXPECT_FALSE(*journal->unfinished_run("replay", "h1", range));
}

TEST_P(JournalOn, ControlsAreConsumedOnce) {
  auto journal = store::Journal::open(location());
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

TEST_P(JournalOn, TheNewestRunIsTheLastCreatedEvenInTheSameSecond) {
  auto journal = store::Journal::open(location());
  ASSERT_TRUE(journal);
  EXPECT_FALSE(*journal->latest_run());
  for (const char* id : {"r-b", "r-a", "r-c"}) ASSERT_TRUE(journal->create_run(a_run(id)));
  EXPECT_EQ((*journal->latest_run())->run_id, "r-c");
  auto paper = a_run("p1");
  paper.mode = "paper";
  paper.last_date.reset();
  ASSERT_TRUE(journal->create_run(paper));
  auto found = *journal->unfinished_run("paper", "h1", std::nullopt);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->run_id, "p1");
  EXPECT_FALSE(found->last_date);
}

// Amounts and nanosecond timestamps come back bit for bit: a 4-byte REAL column, or a
// printed value that does not read back exactly, would move a re-run's fingerprint.
TEST_P(JournalOn, NumbersReadBackExactly) {
  auto journal = store::Journal::open(location());
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->create_run(a_run("r1")));
  const double awkward = 0.1 + 0.2;
  const std::int64_t ns = 1'577'836'800'123'456'789;
  ASSERT_TRUE(journal->begin());
  auto order = an_order(1, awkward);
  order.limit_price = 1.0 / 3.0;
  order.stop_price = std::numeric_limits<double>::denorm_min();
  order.created_ns = ns;
  ASSERT_TRUE(journal->put_order("r1", order));
  auto event = journal->put_event("r1", {.seq = 1, .order_id = 1, .client_order_id = "r1-1", .kind = "fill", .ts = ns,
                                        .execution_id = "e1", .ticker = "AAPL", .side = "buy", .quantity = awkward,
                                        .price = 157.123456789012, .commission = 1e-12, .reason = "it's \"quoted\"?"});
  ASSERT_TRUE(event) << event.error().message;
  ASSERT_TRUE(journal->put_prediction("r1", "m", {.date = order.date, .ticker = "AAPL", .score = -0.0123456789012345, .model = {}}));
  ASSERT_TRUE(journal->commit());
  auto read = journal->orders("r1");
  ASSERT_TRUE(read) << read.error().message;
  const auto orders = *read;
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].quantity, awkward);
  EXPECT_EQ(orders[0].limit_price, 1.0 / 3.0);
  EXPECT_EQ(orders[0].stop_price, std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(orders[0].created_ns, ns);
  const auto events = *journal->events("r1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].ts, ns);
  EXPECT_EQ(events[0].price, 157.123456789012);
  EXPECT_EQ(events[0].commission, 1e-12);
  EXPECT_EQ(events[0].reason, "it's \"quoted\"?");
  EXPECT_EQ((*journal->predictions("r1", order.date))[0].score, -0.0123456789012345);
  const auto all = *journal->predictions("r1");  // the run-wide reader names the model
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].model, "m");
  EXPECT_EQ(all[0].score, -0.0123456789012345);
  // And the re-derived rows still match their fingerprints.
  ASSERT_TRUE(journal->begin());
  EXPECT_TRUE(journal->put_order("r1", orders[0]));
  EXPECT_TRUE(journal->put_event("r1", events[0]));
  journal->rollback();
}

TEST_P(JournalOn, AJournalOfTheFirstSchemaIsUpgradedWhenANodeOpensIt) {
  {
    auto journal = store::Journal::open(location());
    ASSERT_TRUE(journal) << journal.error().message;
    ASSERT_TRUE(journal->create_run(a_run("r1")));
  }
  // As kestrel before the cycles table left it.
  ASSERT_TRUE(raw()->exec("DROP TABLE broker_link"));
  ASSERT_TRUE(raw()->exec("DROP TABLE cycles"));
  ASSERT_TRUE(raw()->exec("UPDATE journal_meta SET value = '1' WHERE key = 'schema_version'"));
  {
    auto reader = store::Journal::open_existing(location());  // readers do not migrate
    ASSERT_TRUE(reader);
    EXPECT_FALSE(reader->cycles("r1"));
  }
  auto journal = store::Journal::open(location());
  ASSERT_TRUE(journal) << journal.error().message;
  EXPECT_TRUE(journal->log_cycle("r1", {.started_at = "2026-11-27T21:40:00Z", .session = core::Date::from_ymd(2019, 1, 2)}));
  EXPECT_EQ(journal->cycles("r1")->size(), 1u);
  EXPECT_EQ(journal->run("r1")->value().run_id, "r1");  // the rows of version 1 are kept
  EXPECT_TRUE(journal->broker_links("r1"));              // and version 3's table is there too
}

TEST_P(JournalOn, AJournalOfTheSecondSchemaGainsTheBrokerLinkTableAndKeepsItsCycles) {
  {
    auto journal = store::Journal::open(location());
    ASSERT_TRUE(journal) << journal.error().message;
    ASSERT_TRUE(journal->create_run(a_run("r1")));
    ASSERT_TRUE(journal->log_cycle("r1", {.started_at = "2026-11-27T21:40:00Z", .session = core::Date::from_ymd(2019, 1, 2)}));
  }
  ASSERT_TRUE(raw()->exec("DROP TABLE broker_link"));
  ASSERT_TRUE(raw()->exec("UPDATE journal_meta SET value = '2' WHERE key = 'schema_version'"));
  {
    auto reader = store::Journal::open_existing(location());
    ASSERT_TRUE(reader);
    EXPECT_FALSE(reader->broker_links("r1"));
  }
  auto journal = store::Journal::open(location());
  ASSERT_TRUE(journal) << journal.error().message;
  EXPECT_EQ(journal->cycles("r1")->size(), 1u);
  ASSERT_TRUE(journal->log_broker_link("r1", {.at = "2026-11-27T21:41:00Z", .state = "connected", .detail = ""}));
  EXPECT_EQ(journal->broker_links("r1")->size(), 1u);
}

TEST_P(JournalOn, AReaderSeesWholeCommitsWhileANodeWrites) {
  auto node = store::Journal::open(location());
  ASSERT_TRUE(node) << node.error().message;
  ASSERT_TRUE(node->create_run(a_run("r1")));
  ASSERT_TRUE(node->log_start("r1", "2026-11-27T10:00:00Z", 41, "start"));
  ASSERT_TRUE(node->log_start("r1", "2026-11-27T11:00:00Z", 42, "restart"));
  ASSERT_TRUE(node->begin());
  ASSERT_TRUE(node->put_order("r1", an_order(1, 10)));
  ASSERT_TRUE(node->commit());

  auto reader = store::Journal::open_existing(location());
  ASSERT_TRUE(reader) << reader.error().message;
  ASSERT_TRUE(reader->begin_read());
  EXPECT_EQ(reader->orders("r1")->size(), 1u);
  // The node commits an order and its event while the reader is between two reads.
  ASSERT_TRUE(node->begin());
  ASSERT_TRUE(node->put_order("r1", an_order(2, 5)));
  ASSERT_TRUE(node->put_event("r1", {.seq = 1, .order_id = 2, .client_order_id = "r1-2", .kind = "submitted", .ts = 1,
                                     .execution_id = "", .ticker = "AAPL", .side = "buy", .quantity = 0, .price = 0,
                                     .commission = 0, .reason = ""}));
  ASSERT_TRUE(node->commit());  // a reader does not block the writer
  EXPECT_TRUE(reader->events("r1")->empty());  // the event of an order the reader has not seen: not yet
  reader->end_read();
  EXPECT_EQ(reader->orders("r1")->size(), 2u);
  EXPECT_EQ(reader->events("r1")->size(), 1u);

  ASSERT_TRUE(node->log_cycle("r1", {.started_at = "2026-11-27T21:40:00Z", .session = core::Date::from_ymd(2019, 1, 2),
                                     .duration_ms = 12.5, .result = "ok", .broker_requests = 7, .broker_errors = 1,
                                     .broker_seconds = 0.25}));
  ASSERT_TRUE(node->log_cycle("r1", {.started_at = "2026-11-28T21:40:00Z", .session = core::Date::from_ymd(2019, 1, 3),
                                     .duration_ms = 30000, .result = "alpaca: timed out", .broker_requests = 0,
                                     .broker_errors = 0, .broker_seconds = 0}));
  const auto cycles = reader->cycles("r1");
  ASSERT_TRUE(cycles) << cycles.error().message;
  ASSERT_EQ(cycles->size(), 2u);
  EXPECT_EQ((*cycles)[0].duration_ms, 12.5);
  EXPECT_EQ((*cycles)[0].broker_requests, 7);
  EXPECT_EQ((*cycles)[0].broker_seconds, 0.25);
  EXPECT_EQ((*cycles)[1].result, "alpaca: timed out");

  const auto starts = reader->starts("r1");
  ASSERT_TRUE(starts) << starts.error().message;
  ASSERT_EQ(starts->size(), 2u);
  EXPECT_EQ((*starts)[0].pid, 41);
  EXPECT_EQ((*starts)[1].note, "restart");

  ASSERT_TRUE(node->log_broker_link("r1", {.at = "2026-11-28T14:00:00Z", .state = "connected", .detail = ""}));
  ASSERT_TRUE(node->log_broker_link("r1", {.at = "2026-11-28T14:00:00Z", .state = "disconnected",
                                           .detail = "read: Connection reset by peer"}));
  ASSERT_TRUE(node->log_broker_link("r1", {.at = "2026-11-28T14:00:01Z", .state = "connected", .detail = ""}));
  const auto links = reader->broker_links("r1");  // in the order logged, even within one second
  ASSERT_TRUE(links) << links.error().message;
  ASSERT_EQ(links->size(), 3u);
  EXPECT_EQ((*links)[1].state, "disconnected");
  EXPECT_EQ((*links)[1].detail, "read: Connection reset by peer");
  EXPECT_EQ((*links)[2].state, "connected");
  EXPECT_EQ((*links)[2].at, "2026-11-28T14:00:01Z");
}

TEST(JournalLocation, PostgresPasswordsNeverAppearInMessages) {
  EXPECT_TRUE(store::is_postgres_location("postgresql://h/db"));
  EXPECT_TRUE(store::is_postgres_location("postgres://h/db"));
  EXPECT_FALSE(store::is_postgres_location("/var/lib/kestrel/journal.db"));
  EXPECT_EQ(store::redacted_location("postgresql://kestrel:s3cret@db.local:5433/trading"),
            "postgresql://kestrel:***@db.local:5433/trading");
  EXPECT_EQ(store::redacted_location("postgresql://db.local/trading?user=k&password=s3cret&sslmode=require"),
            "postgresql://db.local/trading?user=k&password=***&sslmode=require");
  EXPECT_EQ(store::redacted_location("postgresql://kestrel@db.local/trading"), "postgresql://kestrel@db.local/trading");
  // A server that is not there: the error names the database, not its password.
  auto journal = store::Journal::open("postgresql://kestrel:s3cret@127.0.0.1:1/trading?connect_timeout=2");
  ASSERT_FALSE(journal);
  EXPECT_EQ(journal.error().message.find("s3cret"), std::string::npos) << journal.error().message;
  EXPECT_NE(journal.error().message.find("postgresql://kestrel:***@127.0.0.1:1/trading"), std::string::npos)
      << journal.error().message;
  EXPECT_NE(journal.error().message.find("cannot connect to PostgreSQL"), std::string::npos) << journal.error().message;
}

}  // namespace
}  // namespace kestrel::testing
