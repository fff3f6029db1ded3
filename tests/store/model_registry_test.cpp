// The model registry in the market store: rows written all at once, a store from before the
// registry upgraded without losing its bars, registering a model is not a change of market data.
#include "store/model_registry.hpp"

#include <gtest/gtest.h>

#include "store/importer.hpp"
#include "store/market_store.hpp"
#include "store/sqlite.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::store {
namespace {

using testing::TempDir;
using testing::write_file;

RegisteredModel a_model(const std::filesystem::path& folder) {
  return {.id = 0, .name = "xgboost", .kind = "xgboost", .path = folder.string(),
          .files_checksum = *model_files_checksum(folder), .config_hash = "c0ffee", .store_id = "s1", .data_version = 1,
          .label = "direction_1d", .train_begin = core::Date::from_ymd(2011, 1, 3),
          .train_end = core::Date::from_ymd(2015, 12, 22), .features = {"ret_1d", "rsi_14", "cs_z_ret_5d"},
          .metrics = R"({"test":{"accuracy":0.5123}})", .created_at = "2026-11-28T00:00:00Z", .status = "trained"};
}

TEST(ModelRegistry, AStoreOfTheFirstSchemaGainsTheRegistryAndKeepsItsBars) {
  TempDir dir;
  {
    auto store = MarketStore::open(dir / "k.db", MarketStore::Access::ReadWrite);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE(import_paths(*store, {KESTREL_SAMPLE_DATA}, {.show_progress = false}));
  }
  {  // As kestrel before the registry left it.
    auto db = sqlite::Database::open(dir / "k.db", sqlite::Database::Mode::ReadWriteCreate);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("DROP TABLE models; DROP TABLE tuning_trials; DROP TABLE news_tickers; DROP TABLE news_items; "
                         "DROP TABLE news_collect_progress; PRAGMA user_version = 1"));
  }
  {
    auto reader = MarketStore::open(dir / "k.db", MarketStore::Access::ReadOnly);  // readers do not migrate
    ASSERT_TRUE(reader);
    EXPECT_TRUE(reader->registered_models()->empty());
    EXPECT_TRUE(reader->news()->empty());  // no news tables yet: no news, not an SQL error
    EXPECT_EQ(reader->news_summary()->items, 0);
  }
  auto store = MarketStore::open(dir / "k.db", MarketStore::Access::ReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(store->universe()->size(), 22u);
  EXPECT_EQ(store->news_summary()->items, 0);  // every later migration applied too
  EXPECT_TRUE(store->news_coverage("alphavantage", "AAPL")->empty());
  const auto version = *store->data_version();
  write_file(dir / "model" / "weights.bin", std::string("\0\1\2", 3));
  const auto id = store->register_model(a_model(dir / "model"));
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 1);
  EXPECT_EQ(*store->data_version(), version);  // not market data: snapshots stay valid
  const auto models = *store->registered_models();
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].features, (std::vector<std::string>{"ret_1d", "rsi_14", "cs_z_ret_5d"}));
  EXPECT_EQ(models[0].train_end, core::Date::from_ymd(2015, 12, 22));
  EXPECT_EQ(models[0].metrics, R"({"test":{"accuracy":0.5123}})");
}

// A retraining's verdict: the challenger and the champion's new status land together or not at
// all — a failure on the champion leaves no challenger behind.
TEST(ModelRegistry, TheChallengerAndTheVerdictOnTheChampionAreOneTransaction) {
  TempDir dir;
  auto store = MarketStore::open(dir / "k.db", MarketStore::Access::ReadWrite);
  ASSERT_TRUE(store) << store.error().message;
  write_file(dir / "champion" / "w.bin", "1");
  write_file(dir / "challenger" / "w.bin", "2");
  const auto champion = store->register_model(a_model(dir / "champion"));
  ASSERT_TRUE(champion);
  const auto challenger = store->register_model(a_model(dir / "challenger"), *champion, "retired");
  ASSERT_TRUE(challenger) << challenger.error().message;
  auto models = *store->registered_models();
  ASSERT_EQ(models.size(), 2u);
  EXPECT_EQ(models[0].status, "retired");

  write_file(dir / "third" / "w.bin", "3");
  const auto orphan = store->register_model(a_model(dir / "third"), 99, "champion");
  ASSERT_FALSE(orphan);
  EXPECT_NE(orphan.error().message.find("no registered model 99"), std::string::npos) << orphan.error().message;
  models = *store->registered_models();
  EXPECT_EQ(models.size(), 2u);  // rolled back
}

TEST(ModelRegistry, TheChecksumSeesAnyChangeToTheFolder) {
  TempDir dir;
  write_file(dir / "m" / "a.json", "{\"w\": 1}");
  write_file(dir / "m" / "sub" / "b.bin", "xyz");
  const auto before = *model_files_checksum(dir / "m");
  EXPECT_EQ(*model_files_checksum(dir / "m"), before);
  write_file(dir / "m" / "sub" / "b.bin", "xyZ");
  EXPECT_NE(*model_files_checksum(dir / "m"), before);
  write_file(dir / "m" / "sub" / "b.bin", "xyz");
  EXPECT_EQ(*model_files_checksum(dir / "m"), before);
  std::filesystem::rename(dir / "m" / "a.json", dir / "m" / "c.json");  // same bytes, another name
  EXPECT_NE(*model_files_checksum(dir / "m"), before);
  EXPECT_FALSE(model_files_checksum(dir / "nothing"));
}

}  // namespace
}  // namespace kestrel::store
