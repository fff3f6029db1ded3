// Backups and restores of SQLite files: consistent while another connection writes, checked
// for integrity, and never losing what a restore replaces.
#include "store/backup.hpp"

#include <atomic>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "store/sqlite.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::testing {
namespace {

using store::sqlite::Database;

std::int64_t count_rows(const std::filesystem::path& file) {
  auto db = Database::open(file, Database::Mode::ReadOnly);
  EXPECT_TRUE(db) << db.error().message;
  auto stmt = db->prepare("SELECT COUNT(*) FROM t");
  EXPECT_TRUE(stmt);
  auto row = stmt->step();
  EXPECT_TRUE(row && *row);
  return std::stoll(stmt->text(0));
}

void make_db(const std::filesystem::path& file, int rows) {
  auto db = Database::open(file, Database::Mode::ReadWriteCreate);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->exec("PRAGMA journal_mode = WAL; CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"));
  for (int k = 0; k < rows; ++k) ASSERT_TRUE(db->exec(fmt::format("INSERT INTO t (v) VALUES ('row {}')", k)));
}

TEST(DatabaseBackup, ACopyTakenDuringWritesHoldsWholeTransactionsOnly) {
  TempDir dir;
  make_db(dir / "live.db", 0);
  std::atomic<bool> stop = false;
  std::thread writer([&] {
    auto db = Database::open(dir / "live.db", Database::Mode::ReadWriteCreate);
    ASSERT_TRUE(db);
    while (!stop) {  // transactions of exactly 100 rows
      ASSERT_TRUE(db->exec("BEGIN IMMEDIATE"));
      for (int k = 0; k < 100; ++k) ASSERT_TRUE(db->exec("INSERT INTO t (v) VALUES ('x')"));
      ASSERT_TRUE(db->exec("COMMIT"));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto backup = store::backup_database(dir / "live.db", dir / "backups");
  stop = true;
  writer.join();
  ASSERT_TRUE(backup) << backup.error().message;
  EXPECT_EQ(backup->file.parent_path(), dir / "backups");
  EXPECT_TRUE(backup->file.filename().string().starts_with("live-"));
  const auto rows = count_rows(backup->file);
  EXPECT_GT(rows, 0);
  EXPECT_EQ(rows % 100, 0) << "a transaction was copied in part";
  EXPECT_FALSE(std::filesystem::exists(backup->file.string() + ".partial"));
}

TEST(DatabaseBackup, RestoreRefusesToOverwriteUnlessAskedAndKeepsWhatItReplaces) {
  TempDir dir;
  make_db(dir / "a.db", 3);
  auto backup = store::backup_database(dir / "a.db", dir.path());
  ASSERT_TRUE(backup) << backup.error().message;
  {
    auto db = Database::open(dir / "a.db", Database::Mode::ReadWriteCreate);
    ASSERT_TRUE(db->exec("INSERT INTO t (v) VALUES ('after the backup')"));
  }
  auto refused = store::restore_database(backup->file, dir / "a.db", false);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("add --replace"), std::string::npos) << refused.error().message;
  EXPECT_EQ(count_rows(dir / "a.db"), 4);
  auto saved = store::restore_database(backup->file, dir / "a.db", true);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(count_rows(dir / "a.db"), 3);
  EXPECT_EQ(count_rows(*saved), 4) << "the replaced content is kept";
  auto fresh = store::restore_database(backup->file, dir / "new.db", false);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_TRUE(fresh->empty());
  EXPECT_EQ(count_rows(dir / "new.db"), 3);
}

TEST(DatabaseBackup, ADamagedBackupIsRefusedAndNothingIsTouched) {
  TempDir dir;
  make_db(dir / "a.db", 500);
  auto backup = store::backup_database(dir / "a.db", dir.path());
  ASSERT_TRUE(backup) << backup.error().message;
  {  // overwrite the header of the table's second page
    std::fstream f(backup->file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    const std::string junk(16, '\xAB');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = store::restore_database(backup->file, dir / "a.db", true);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(backup->file.string()), std::string::npos) << r.error().message;
  EXPECT_EQ(count_rows(dir / "a.db"), 500);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name.starts_with("a.db") || entry.path() == backup->file) << name;
    EXPECT_EQ(name.find("before-restore"), std::string::npos) << "nothing to keep: nothing was replaced";
  }

  auto missing = store::backup_database(dir / "nope.db", dir.path());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope.db"), std::string::npos);
  auto deep = store::backup_database(dir / "a.db", dir / "no" / "such" / "folder");
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("does not exist"), std::string::npos) << deep.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "no"));
}

}  // namespace
}  // namespace kestrel::testing
