#pragma once
// The market-data store: the system of record for bars, the universe, corporate actions
// and quality flags, in one SQLite file. Writes are all-or-nothing (one transaction per
// write call); every write that changes something bumps data_version, which snapshots use
// to know when they are stale.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/input_file.hpp"
#include "store/model_registry.hpp"
#include "store/news_item.hpp"
#include "store/tuning_trials.hpp"
#include "store/records.hpp"
#include "store/sqlite.hpp"

namespace kestrel::store {

// Everything one import writes, applied in a single transaction.
struct StoreWrite {
  std::vector<BarFile> bar_files;
  std::vector<TickerInfo> tickers;
  std::vector<std::pair<std::string, CorporateAction>> actions;
  std::vector<QualityFlag> flags;
};

struct WriteSummary {
  std::int64_t bars_inserted = 0;
  std::int64_t bars_updated = 0;
  std::int64_t bars_unchanged = 0;
  std::int64_t tickers_added = 0;
  std::int64_t actions_written = 0;
  std::int64_t flags_written = 0;
  std::uint64_t data_version = 0;
};

struct NewsWriteSummary {
  std::int64_t items_added = 0;
  std::int64_t items_known = 0;        // already stored (same id): left as they were
  std::int64_t ticker_rows_added = 0;  // (item, ticker) pairs new to the store
  std::int64_t ticker_rows_updated = 0;  // a changed relevance or vendor score
};

struct NewsSummary {
  std::int64_t items = 0;
  std::int64_t ticker_rows = 0;
  std::int64_t tickers = 0;
  std::optional<std::int64_t> first_published_at;  // UTC seconds
  std::optional<std::int64_t> last_published_at;
};

// The span of publication times a news collector has asked a vendor about for one query:
// every item published in [covered_from, covered_to) (UTC seconds) was requested and stored.
struct NewsCoverage {
  std::int64_t covered_from = 0;
  std::int64_t covered_to = 0;
};

// Which news to read: the tickers' (every ticker's when empty) items published in [from, to).
struct NewsQuery {
  std::vector<std::string> tickers;
  std::optional<std::int64_t> from = std::nullopt;
  std::optional<std::int64_t> to = std::nullopt;
};

struct TickerSummary {
  TickerInfo info;
  std::optional<core::Date> first_date;
  std::optional<core::Date> last_date;
  std::int64_t bar_count = 0;
};

class MarketStore {
 public:
  enum class Access { ReadOnly, ReadWrite };
  // ReadWrite creates the file (its folder must exist) and applies pending schema migrations.
  static core::Result<MarketStore> open(const std::filesystem::path& path, Access access);

  const std::filesystem::path& path() const { return db_.path(); }

  core::Result<WriteSummary> write(const StoreWrite& batch);

  // Increases with every write that changed stored data; with store_id it identifies a
  // state of the store.
  core::Result<std::uint64_t> data_version();
  core::Result<std::string> store_id();

  // All tickers with their metadata and the date range of their bars, by symbol.
  core::Result<std::vector<TickerSummary>> universe();
  core::Result<std::vector<Bar>> bars(const std::string& ticker,
                                      std::optional<core::Date> from = std::nullopt,
                                      std::optional<core::Date> to = std::nullopt);
  core::Result<std::optional<core::Date>> last_date(const std::string& ticker);
  core::Result<std::vector<CorporateAction>> corporate_actions(const std::string& ticker);
  // All flags, or one ticker's.
  core::Result<std::vector<QualityFlag>> quality_flags(const std::string& ticker = "");

  // Streams every bar ordered by (symbol, date) — the bulk read behind snapshots.
  core::Status for_each_bar(const std::function<void(const std::string& ticker, const Bar&)>& visit);

  // The model registry (store/model_registry.cpp): every model a pipeline trained on this
  // store's data. Registering marks earlier entries saved to the same folder "overwritten",
  // whatever their status: the folder no longer holds them.
  // With `replaced_id`, that entry's status becomes `replaced_status` in the same transaction (a
  // retraining's verdict on the champion: "retired" or "champion"); nothing is written when
  // there is no such entry.
  core::Result<std::int64_t> register_model(const RegisteredModel& model, std::int64_t replaced_id = 0,
                                            const std::string& replaced_status = {});
  // Oldest first; empty for a store from before the registry (opened read-only, not upgraded).
  core::Result<std::vector<RegisteredModel>> registered_models();
  // News (store/news_store.cpp): items and the tickers they are about, in one transaction;
  // an item already stored (same id) keeps its text, its ticker rows are added or updated.
  core::Result<NewsWriteSummary> write_news(const std::vector<NewsItem>& items);
  // Oldest first (then by id); each item carries only the queried tickers' rows. A store from
  // before the news tables (opened read-only, not upgraded) has none.
  core::Result<std::vector<NewsItem>> news(const NewsQuery& query = {});
  core::Result<NewsSummary> news_summary();
  // The spans `kestrel news collect` has covered for (vendor, query): disjoint, by start.
  core::Result<std::vector<NewsCoverage>> news_coverage(const std::string& vendor, const std::string& query);
  // A collected window's items and the coverage they add, in one transaction: a crash leaves
  // either both or neither. Stored spans that overlap or touch `window` merge with it.
  core::Result<NewsWriteSummary> write_collected_news(const std::vector<NewsItem>& items, const std::string& vendor,
                                                      const std::string& query, NewsCoverage window);
  // `kestrel tune`'s record (store/tuning_trials.cpp): every evaluation of a study, replacing
  // an earlier run of the same study (name and config hash) in one transaction.
  core::Status save_tuning_study(const std::string& study, const std::string& config_hash,
                                 const std::vector<TuningTrial>& trials);
  // A study's rows (every config hash when `config_hash` is empty), by trial then rung.
  core::Result<std::vector<TuningTrial>> tuning_trials(const std::string& study, const std::string& config_hash = {});

 private:
  // A retraining's verdict: "champion", "challenger" (kept out), "retired" (replaced).
  core::Status set_model_status(std::int64_t id, const std::string& status);
  explicit MarketStore(sqlite::Database db) : db_(std::move(db)) {}
  // write_news's rows, inside the caller's transaction.
  core::Status insert_news(const std::vector<NewsItem>& items, NewsWriteSummary& summary);
  core::Status migrate();

  sqlite::Database db_;
};

}  // namespace kestrel::store
