// Backups and restores of a journal in PostgreSQL (pg_dump / pg_restore): consistent while
// another connection writes, all or nothing, never losing what a restore replaces, and never
// showing the password.
#include "store/postgres_backup.hpp"

#include <atomic>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "store/journal.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "support/test_postgres.hpp"

namespace kestrel::testing {
namespace {

std::unique_ptr<store::JournalDatabase> connect(const std::string& url) {
  auto db = store::open_postgres_journal_database(url, store::JournalDatabase::Durability::Normal);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

std::int64_t count_rows(const std::string& url) {
  auto rows = connect(url)->query("SELECT COUNT(*) FROM t", {});
  EXPECT_TRUE(rows) << rows.error().message;
  return rows ? rows->front().int64(0) : -1;
}

void make_table(const std::string& url, int rows) {
  auto db = connect(url);
  ASSERT_TRUE(db->exec("CREATE TABLE t (k BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)"));
  for (int k = 0; k < rows; ++k) {
    ASSERT_TRUE(db->query("INSERT INTO t (v) VALUES (?)", std::vector<store::SqlValue>{fmt::format("row {}", k)}));
  }
}

TEST(PostgresBackup, ADumpTakenDuringWritesHoldsWholeTransactionsOnly) {
  TempDir dir;
  const std::string url = fresh_postgres_database();
  make_table(url, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::thread writer([&] {
    auto db = connect(url);
    while (!stop) {
      if (!db->begin()) return;
      for (int k = 0; k < 100; ++k) (void)db->query("INSERT INTO t (v) VALUES ('x')", {});
      if (!db->commit()) return;
      ++committed;
    }
  });
  while (committed < 5) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto backup = store::backup_postgres(url, dir / "backups");
  while (committed < 10) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  writer.join();
  ASSERT_TRUE(backup) << backup.error().message;
  EXPECT_EQ(backup->file.extension(), ".pgdump");
  EXPECT_FALSE(std::filesystem::exists(backup->file.string() + ".partial"));
  const std::string copy = fresh_postgres_database();
  auto restored = store::restore_postgres(backup->file, copy, false);
  ASSERT_TRUE(restored) << restored.error().message;
  EXPECT_TRUE(restored->empty()) << "nothing was there to keep";
  const std::int64_t rows = count_rows(copy);
  EXPECT_GE(rows, 500);
  EXPECT_EQ(rows % 100, 0) << "a transaction was dumped in part";
  EXPECT_LT(rows, count_rows(url));
}

TEST(PostgresBackup, RestoreRefusesToOverwriteUnlessAskedAndKeepsWhatItReplaces) {
  TempDir dir;
  const std::string url = fresh_postgres_database();
  make_table(url, 3);
  auto backup = store::backup_postgres(url, dir.path());
  ASSERT_TRUE(backup) << backup.error().message;
  ASSERT_TRUE(connect(url)->query("INSERT INTO t (v) VALUES ('after the backup')", {}));
  auto refused = store::restore_postgres(backup->file, url, false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("add --replace"), std::string::npos) << refused.error().message;
  EXPECT_EQ(count_rows(url), 4);
  auto saved = store::restore_postgres(backup->file, url, true);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(count_rows(url), 3);
  ASSERT_NE(saved->filename().string().find("-before-restore-"), std::string::npos) << *saved;
  // The replaced content is kept: restored elsewhere it has the row added after the backup.
  const std::string elsewhere = fresh_postgres_database();
  ASSERT_TRUE(store::restore_postgres(*saved, elsewhere, false));
  EXPECT_EQ(count_rows(elsewhere), 4);
}

TEST(PostgresBackup, ADamagedArchiveIsRefusedAndNothingIsTouched) {
  TempDir dir;
  const std::string url = fresh_postgres_database();
  make_table(url, 50);
  auto backup = store::backup_postgres(url, dir.path());
  ASSERT_TRUE(backup) << backup.error().message;
  std::filesystem::resize_file(backup->file, std::filesystem::file_size(backup->file) / 2);  // cut short
  auto r = store::restore_postgres(backup->file, url, true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(backup->file.string()), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("pg_restore failed"), std::string::npos) << r.error().message;
  EXPECT_EQ(count_rows(url), 50);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find("before-restore"), std::string::npos)
        << "nothing to keep: nothing was replaced";
  }
  auto unreachable = store::backup_postgres("postgresql://kestrel:s3cret@127.0.0.1:1/trading?connect_timeout=2", dir.path());
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().message.find("s3cret"), std::string::npos) << unreachable.error().message;
  EXPECT_NE(unreachable.error().message.find("pg_dump failed"), std::string::npos) << unreachable.error().message;
}

// `kestrel db backup|restore` with a journal in PostgreSQL, its password in the URL: the
// password reaches pg_dump (PGPASSWORD), never the output.
TEST(PostgresBackup, TheCommandBacksUpAndRestoresAJournalWithoutShowingThePassword) {
  TempDir dir;
  const std::string url = fresh_postgres_database() + "&password=s3cret";
  {
    auto journal = store::Journal::open(url);
    ASSERT_TRUE(journal) << journal.error().message;
    ASSERT_TRUE(journal->create_run({.run_id = "r1", .mode = "paper", .name = "t", .config_hash = "h",
                                     .config_text = "", .first_date = core::Date::from_ymd(2019, 1, 2), .last_date = std::nullopt,
                                     .created_at = "2026-11-27T10:00:00Z", .finished = false}));
  }
  const std::string exe = KESTREL_BINARY;
  const auto b = run_command(exe + " db backup --db '" + url + "' --to " + (dir / "b").string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_EQ(b.output.find("s3cret"), std::string::npos) << b.output;
  EXPECT_NE(b.output.find("password=***"), std::string::npos) << b.output;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir / "b")) files.push_back(e.path());
  ASSERT_EQ(files.size(), 1u);
  const std::string target = fresh_postgres_database();
  const auto r = run_command(exe + " db restore --from " + files[0].string() + " --db '" + target + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto journal = store::Journal::open_existing(target);
  ASSERT_TRUE(journal) << journal.error().message;
  EXPECT_EQ((*journal->latest_run())->run_id, "r1");
}

}  // namespace
}  // namespace kestrel::testing
