#include "store/market_store.hpp"

#include <array>
#include <limits>
#include <random>
#include <unordered_map>

#include <fmt/format.h>

namespace kestrel::store {
namespace {

using core::Date;
using core::fail;
using core::Result;
using core::Status;

// A quality flag without a date applies to the whole ticker; stored with this sentinel so
// the primary key (which cannot hold NULLs distinctly) still makes re-imports idempotent.
constexpr std::int64_t kNoDate = std::numeric_limits<std::int32_t>::min();

// Versioned schema migrations: entry i moves the schema from version i to i + 1. Never edit
// a released entry; append a new one.
constexpr std::array<std::string_view, 5> kMigrations = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tickers(
  id INTEGER PRIMARY KEY,
  symbol TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  sector TEXT NOT NULL DEFAULT '',
  industry TEXT NOT NULL DEFAULT '');
-- Dates are days since 1970-01-01; prices as traded; adj_close split- and dividend-adjusted.
CREATE TABLE bars(
  ticker_id INTEGER NOT NULL REFERENCES tickers(id),
  date INTEGER NOT NULL,
  open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL,
  adj_close REAL NOT NULL, volume REAL NOT NULL,
  PRIMARY KEY(ticker_id, date)) WITHOUT ROWID;
CREATE TABLE corporate_actions(
  ticker_id INTEGER NOT NULL REFERENCES tickers(id),
  date INTEGER NOT NULL,
  dividend REAL NOT NULL,
  split_coefficient REAL NOT NULL,
  PRIMARY KEY(ticker_id, date)) WITHOUT ROWID;
CREATE TABLE quality_flags(
  ticker_id INTEGER NOT NULL REFERENCES tickers(id),
  date INTEGER NOT NULL,  -- -2147483648: applies to the whole ticker
  flag TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY(ticker_id, flag, date)) WITHOUT ROWID;
-- Human-friendly view for ad-hoc SQL.
CREATE VIEW bars_by_symbol AS
  SELECT t.symbol, date(b.date * 86400, 'unixepoch') AS date, b.open, b.high, b.low, b.close,
         b.adj_close, b.volume
  FROM bars b JOIN tickers t ON t.id = b.ticker_id;
INSERT INTO meta VALUES('data_version', '0');
)sql",
    // v2: the model registry (store/model_registry.hpp). Not market data: registering a model
    // does not change data_version.
    R"sql(
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  files_checksum TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  store_id TEXT NOT NULL,
  data_version INTEGER NOT NULL,
  label TEXT NOT NULL,
  train_begin INTEGER NOT NULL,
  train_end INTEGER NOT NULL,
  features TEXT NOT NULL,
  metrics TEXT NOT NULL,
  created_at TEXT NOT NULL,
  status TEXT NOT NULL);
CREATE INDEX models_by_path ON models(path);
)sql",
    // v3: `kestrel tune`'s trials (store/tuning_trials.cpp); not market data either.
    R"sql(
CREATE TABLE tuning_trials(
  study TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  trial INTEGER NOT NULL,
  rung INTEGER NOT NULL,
  folds INTEGER NOT NULL,
  params TEXT NOT NULL,
  sharpe REAL,
  rank_ic REAL,
  turnover REAL,
  seconds REAL NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY(study, config_hash, trial, rung));
)sql",
    // v4: news (store/news_store.cpp). Tickers are plain symbols: news may be stored for
    // tickers that have no bars here. Not market data: importing news does not change
    // data_version (nothing in the snapshot depends on it).
    R"sql(
CREATE TABLE news_items(
  id TEXT PRIMARY KEY,
  published_at INTEGER NOT NULL,  -- seconds since the Unix epoch, UTC
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  text TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX news_by_time ON news_items(published_at);
CREATE TABLE news_tickers(
  item_id TEXT NOT NULL REFERENCES news_items(id),
  ticker TEXT NOT NULL,
  relevance REAL NOT NULL,
  vendor_score REAL,
  PRIMARY KEY(ticker, item_id)) WITHOUT ROWID;
)sql",
    // v5: the spans of time `kestrel news collect` has asked each vendor about per query
    // (disjoint; store/news_store.cpp), so a rerun asks only for what a failure or a spent quota
    // left out.
    R"sql(
CREATE TABLE news_collect_progress(
  vendor TEXT NOT NULL,
  query TEXT NOT NULL,
  covered_from INTEGER NOT NULL,  -- every item published in [covered_from, covered_to) was asked for
  covered_to INTEGER NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY(vendor, query, covered_from)) WITHOUT ROWID;
)sql",
};

std::string random_store_id() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  return fmt::format("{:016x}", gen());
}

Result<std::int64_t> query_int(sqlite::Database& db, std::string_view sql) {
  auto stmt = db.prepare(sql);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  return *row ? stmt->int64(0) : 0;
}

// Resolves symbols to ids, creating tickers on first sight.
class TickerIds {
 public:
  static Result<TickerIds> prepare(sqlite::Database& db) {
    auto insert = db.prepare("INSERT INTO tickers(symbol) VALUES(?) ON CONFLICT(symbol) DO NOTHING");
    if (!insert) return std::unexpected(insert.error());
    auto select = db.prepare("SELECT id FROM tickers WHERE symbol = ?");
    if (!select) return std::unexpected(select.error());
    return TickerIds(std::move(*insert), std::move(*select));
  }

  Result<std::int64_t> id(const std::string& symbol) {
    if (auto it = cache_.find(symbol); it != cache_.end()) return it->second;
    insert_.bind(1, symbol);
    if (auto s = insert_.run(); !s) return std::unexpected(s.error());
    select_.bind(1, symbol);
    auto row = select_.step();
    if (!row) return std::unexpected(row.error());
    const std::int64_t value = select_.int64(0);
    select_.reset();
    cache_.emplace(symbol, value);
    return value;
  }

 private:
  TickerIds(sqlite::Statement insert, sqlite::Statement select)
      : insert_(std::move(insert)), select_(std::move(select)) {}
  sqlite::Statement insert_;
  sqlite::Statement select_;
  std::unordered_map<std::string, std::int64_t> cache_;
};

}  // namespace

Result<MarketStore> MarketStore::open(const std::filesystem::path& path, Access access) {
  auto db = sqlite::Database::open(path, access == Access::ReadOnly
                                             ? sqlite::Database::Mode::ReadOnly
                                             : sqlite::Database::Mode::ReadWriteCreate);
  if (!db) return std::unexpected(db.error());
  MarketStore store(std::move(*db));
  if (auto s = store.db_.exec("PRAGMA foreign_keys = ON"); !s) return std::unexpected(s.error());
  if (access == Access::ReadWrite) {
    if (auto s = store.migrate(); !s) return std::unexpected(s.error());
  } else {
    auto version = query_int(store.db_, "PRAGMA user_version");
    if (!version) return std::unexpected(version.error());
    if (*version == 0) return fail("{}: not a Kestrel market-data store", path.string());
    if (*version > static_cast<std::int64_t>(kMigrations.size())) {
      return fail("{}: store schema v{} is newer than this kestrel (v{}); upgrade kestrel",
                  path.string(), *version, kMigrations.size());
    }
  }
  return store;
}

Status MarketStore::migrate() {
  auto version = query_int(db_, "PRAGMA user_version");
  if (!version) return std::unexpected(version.error());
  if (*version > static_cast<std::int64_t>(kMigrations.size())) {
    return fail("{}: store schema v{} is newer than this kestrel (v{}); upgrade kestrel",
                db_.path().string(), *version, kMigrations.size());
  }
  for (auto v = static_cast<std::size_t>(*version); v < kMigrations.size(); ++v) {
    auto tx = sqlite::Transaction::begin(db_);
    if (!tx) return std::unexpected(tx.error());
    if (auto s = db_.exec(kMigrations[v]); !s) return s;
    if (v == 0) {
      if (auto s = db_.exec(fmt::format("INSERT INTO meta VALUES('store_id', '{}')", random_store_id())); !s) return s;
    }
    if (auto s = db_.exec(fmt::format("PRAGMA user_version = {}", v + 1)); !s) return s;
    if (auto s = tx->commit(); !s) return s;
  }
  return {};
}

Result<WriteSummary> MarketStore::write(const StoreWrite& batch) {
  WriteSummary summary;
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  const std::int64_t changes_before = db_.total_changes();
  auto tickers_before = query_int(db_, "SELECT COUNT(*) FROM tickers");
  if (!tickers_before) return std::unexpected(tickers_before.error());

  auto ids = TickerIds::prepare(db_);
  if (!ids) return std::unexpected(ids.error());

  // Universe metadata: a later import overwrites names and sectors; an empty industry does
  // not erase a known one.
  if (!batch.tickers.empty()) {
    auto upsert = db_.prepare(
        "INSERT INTO tickers(symbol, name, sector, industry) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(symbol) DO UPDATE SET name = excluded.name, sector = excluded.sector, "
        "industry = CASE WHEN excluded.industry <> '' THEN excluded.industry ELSE industry END "
        "WHERE name IS NOT excluded.name OR sector IS NOT excluded.sector "
        "OR (excluded.industry <> '' AND industry IS NOT excluded.industry)");
    if (!upsert) return std::unexpected(upsert.error());
    for (const TickerInfo& t : batch.tickers) {
      upsert->bind(1, t.symbol).bind(2, t.name).bind(3, t.sector).bind(4, t.industry);
      if (auto s = upsert->run(); !s) return std::unexpected(s.error());
    }
  }

  auto upsert_bar = db_.prepare(
      "INSERT INTO bars(ticker_id, date, open, high, low, close, adj_close, volume) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT(ticker_id, date) DO UPDATE SET open = excluded.open, high = excluded.high, "
      "low = excluded.low, close = excluded.close, adj_close = excluded.adj_close, "
      "volume = excluded.volume "
      "WHERE open IS NOT excluded.open OR high IS NOT excluded.high OR low IS NOT excluded.low "
      "OR close IS NOT excluded.close OR adj_close IS NOT excluded.adj_close "
      "OR volume IS NOT excluded.volume");
  if (!upsert_bar) return std::unexpected(upsert_bar.error());
  auto count_bars = db_.prepare("SELECT COUNT(*) FROM bars WHERE ticker_id = ?");
  if (!count_bars) return std::unexpected(count_bars.error());
  auto upsert_action = db_.prepare(
      "INSERT INTO corporate_actions(ticker_id, date, dividend, split_coefficient) "
      "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(ticker_id, date) DO UPDATE SET "
      "dividend = excluded.dividend, split_coefficient = excluded.split_coefficient "
      "WHERE dividend IS NOT excluded.dividend OR split_coefficient IS NOT excluded.split_coefficient");
  if (!upsert_action) return std::unexpected(upsert_action.error());

  auto ticker_bar_count = [&](std::int64_t id) -> Result<std::int64_t> {
    count_bars->bind(1, id);
    auto row = count_bars->step();
    if (!row) return std::unexpected(row.error());
    const std::int64_t n = count_bars->int64(0);
    count_bars->reset();
    return n;
  };

  for (const BarFile& file : batch.bar_files) {
    auto id = ids->id(file.ticker);
    if (!id) return std::unexpected(id.error());
    auto before = ticker_bar_count(*id);
    if (!before) return std::unexpected(before.error());
    std::int64_t changed = 0;
    for (const Bar& b : file.bars) {
      upsert_bar->bind(1, *id).bind(2, b.date.days()).bind(3, b.open).bind(4, b.high)
          .bind(5, b.low).bind(6, b.close).bind(7, b.adj_close).bind(8, b.volume);
      if (auto s = upsert_bar->run(); !s) return std::unexpected(s.error());
      changed += sqlite3_changes(db_.handle());
    }
    auto after = ticker_bar_count(*id);
    if (!after) return std::unexpected(after.error());
    const std::int64_t inserted = *after - *before;
    summary.bars_inserted += inserted;
    summary.bars_updated += changed - inserted;
    summary.bars_unchanged += static_cast<std::int64_t>(file.bars.size()) - changed;
    for (const CorporateAction& a : file.actions) {
      upsert_action->bind(1, *id).bind(2, a.date.days()).bind(3, a.dividend).bind(4, a.split_coefficient);
      if (auto s = upsert_action->run(); !s) return std::unexpected(s.error());
      summary.actions_written += sqlite3_changes(db_.handle());
    }
  }

  for (const auto& [symbol, a] : batch.actions) {
    auto id = ids->id(symbol);
    if (!id) return std::unexpected(id.error());
    upsert_action->bind(1, *id).bind(2, a.date.days()).bind(3, a.dividend).bind(4, a.split_coefficient);
    if (auto s = upsert_action->run(); !s) return std::unexpected(s.error());
    summary.actions_written += sqlite3_changes(db_.handle());
  }

  if (!batch.flags.empty()) {
    auto upsert_flag = db_.prepare(
        "INSERT INTO quality_flags(ticker_id, date, flag, detail) VALUES(?1, ?2, ?3, ?4) "
        "ON CONFLICT(ticker_id, flag, date) DO UPDATE SET detail = excluded.detail "
        "WHERE detail IS NOT excluded.detail");
    if (!upsert_flag) return std::unexpected(upsert_flag.error());
    for (const QualityFlag& f : batch.flags) {
      auto id = ids->id(f.ticker);
      if (!id) return std::unexpected(id.error());
      upsert_flag->bind(1, *id).bind(2, f.date ? std::int64_t{f.date->days()} : kNoDate)
          .bind(3, f.flag).bind(4, f.detail);
      if (auto s = upsert_flag->run(); !s) return std::unexpected(s.error());
      summary.flags_written += sqlite3_changes(db_.handle());
    }
  }

  auto tickers_after = query_int(db_, "SELECT COUNT(*) FROM tickers");
  if (!tickers_after) return std::unexpected(tickers_after.error());
  summary.tickers_added = *tickers_after - *tickers_before;

  auto version = query_int(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'data_version'");
  if (!version) return std::unexpected(version.error());
  summary.data_version = static_cast<std::uint64_t>(*version);
  if (db_.total_changes() != changes_before) {
    summary.data_version += 1;
    if (auto s = db_.exec(fmt::format("UPDATE meta SET value = '{}' WHERE key = 'data_version'",
                                      summary.data_version));
        !s) {
      return std::unexpected(s.error());
    }
  }
  if (auto s = tx->commit(); !s) return std::unexpected(s.error());
  return summary;
}

Result<std::uint64_t> MarketStore::data_version() {
  auto v = query_int(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'data_version'");
  if (!v) return std::unexpected(v.error());
  return static_cast<std::uint64_t>(*v);
}

Result<std::string> MarketStore::store_id() {
  auto stmt = db_.prepare("SELECT value FROM meta WHERE key = 'store_id'");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  return *row ? stmt->text(0) : std::string();
}

Result<std::vector<TickerSummary>> MarketStore::universe() {
  auto stmt = db_.prepare(
      "SELECT t.symbol, t.name, t.sector, t.industry, MIN(b.date), MAX(b.date), COUNT(b.date) "
      "FROM tickers t LEFT JOIN bars b ON b.ticker_id = t.id GROUP BY t.id ORDER BY t.symbol");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<TickerSummary> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    TickerSummary s;
    s.info = {stmt->text(0), stmt->text(1), stmt->text(2), stmt->text(3)};
    if (!stmt->is_null(4)) s.first_date = Date::from_days(static_cast<std::int32_t>(stmt->int64(4)));
    if (!stmt->is_null(5)) s.last_date = Date::from_days(static_cast<std::int32_t>(stmt->int64(5)));
    s.bar_count = stmt->int64(6);
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<Bar>> MarketStore::bars(const std::string& ticker, std::optional<Date> from,
                                           std::optional<Date> to) {
  auto stmt = db_.prepare(
      "SELECT b.date, b.open, b.high, b.low, b.close, b.adj_close, b.volume FROM bars b "
      "JOIN tickers t ON t.id = b.ticker_id WHERE t.symbol = ?1 AND b.date >= ?2 AND b.date <= ?3 "
      "ORDER BY b.date");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, ticker)
      .bind(2, std::int64_t{from ? from->days() : std::numeric_limits<std::int32_t>::min()})
      .bind(3, std::int64_t{to ? to->days() : std::numeric_limits<std::int32_t>::max()});
  std::vector<Bar> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({Date::from_days(static_cast<std::int32_t>(stmt->int64(0))), stmt->real(1),
                   stmt->real(2), stmt->real(3), stmt->real(4), stmt->real(5), stmt->real(6)});
  }
  return out;
}

Result<std::optional<Date>> MarketStore::last_date(const std::string& ticker) {
  auto stmt = db_.prepare(
      "SELECT MAX(b.date) FROM bars b JOIN tickers t ON t.id = b.ticker_id WHERE t.symbol = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, ticker);
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || stmt->is_null(0)) return std::optional<Date>();
  return std::optional<Date>(Date::from_days(static_cast<std::int32_t>(stmt->int64(0))));
}

Result<std::vector<CorporateAction>> MarketStore::corporate_actions(const std::string& ticker) {
  auto stmt = db_.prepare(
      "SELECT a.date, a.dividend, a.split_coefficient FROM corporate_actions a "
      "JOIN tickers t ON t.id = a.ticker_id WHERE t.symbol = ? ORDER BY a.date");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, ticker);
  std::vector<CorporateAction> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({Date::from_days(static_cast<std::int32_t>(stmt->int64(0))), stmt->real(1), stmt->real(2)});
  }
  return out;
}

Result<std::vector<QualityFlag>> MarketStore::quality_flags(const std::string& ticker) {
  auto stmt = db_.prepare(
      "SELECT t.symbol, f.date, f.flag, f.detail FROM quality_flags f "
      "JOIN tickers t ON t.id = f.ticker_id WHERE ?1 = '' OR t.symbol = ?1 "
      "ORDER BY t.symbol, f.date, f.flag");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, ticker);
  std::vector<QualityFlag> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    QualityFlag f{stmt->text(0), std::nullopt, stmt->text(2), stmt->text(3)};
    if (stmt->int64(1) != kNoDate) f.date = Date::from_days(static_cast<std::int32_t>(stmt->int64(1)));
    out.push_back(std::move(f));
  }
  return out;
}

Status MarketStore::for_each_bar(
    const std::function<void(const std::string& ticker, const Bar&)>& visit) {
  auto stmt = db_.prepare(
      "SELECT t.symbol, b.date, b.open, b.high, b.low, b.close, b.adj_close, b.volume "
      "FROM tickers t JOIN bars b ON b.ticker_id = t.id ORDER BY t.symbol, b.date");
  if (!stmt) return std::unexpected(stmt.error());
  std::string symbol;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    symbol = stmt->text(0);
    visit(symbol, {Date::from_days(static_cast<std::int32_t>(stmt->int64(1))), stmt->real(2),
                   stmt->real(3), stmt->real(4), stmt->real(5), stmt->real(6), stmt->real(7)});
  }
  return {};
}

}  // namespace kestrel::store
