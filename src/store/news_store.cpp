// MarketStore's news tables (migration v4; store/news_item.hpp) and the collectors' coverage (v5).
#include <algorithm>
#include <unordered_set>

#include "store/market_store.hpp"
#include "store/sqlite.hpp"

namespace kestrel::store {
namespace {

// A store opened read-only is not migrated: one from before the news tables (v4) or the
// collectors' coverage (v5) simply has none.
core::Result<bool> has_schema(sqlite::Database& db, std::int64_t version) {
  auto stmt = db.prepare("PRAGMA user_version");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto r = stmt->step(); !r) return std::unexpected(r.error());
  return stmt->int64(0) >= version;
}

}  // namespace

core::Result<NewsWriteSummary> MarketStore::write_news(const std::vector<NewsItem>& items) {
  NewsWriteSummary summary;
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  if (auto s = insert_news(items, summary); !s) return std::unexpected(s.error());
  if (auto s = tx->commit(); !s) return std::unexpected(s.error());
  return summary;
}

core::Result<std::vector<NewsCoverage>> MarketStore::news_coverage(const std::string& vendor, const std::string& query) {
  auto current = has_schema(db_, 5);
  if (!current) return std::unexpected(current.error());
  if (!*current) return std::vector<NewsCoverage>{};
  auto stmt = db_.prepare(
      "SELECT covered_from, covered_to FROM news_collect_progress WHERE vendor = ? AND query = ? ORDER BY covered_from");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, vendor).bind(2, query);
  std::vector<NewsCoverage> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({stmt->int64(0), stmt->int64(1)});
  }
  return out;
}

core::Result<NewsWriteSummary> MarketStore::write_collected_news(const std::vector<NewsItem>& items,
                                                                 const std::string& vendor, const std::string& query,
                                                                 NewsCoverage window) {
  if (window.covered_to <= window.covered_from) {
    return core::fail("news coverage of {} '{}': the window [{}, {}) is empty", vendor, query, window.covered_from,
                      window.covered_to);
  }
  NewsWriteSummary summary;
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto stored = news_coverage(vendor, query);
  if (!stored) return std::unexpected(stored.error());
  NewsCoverage merged = window;
  for (const NewsCoverage& c : *stored) {
    if (c.covered_from <= window.covered_to && window.covered_from <= c.covered_to) {
      merged.covered_from = std::min(merged.covered_from, c.covered_from);
      merged.covered_to = std::max(merged.covered_to, c.covered_to);
    }
  }
  if (auto s = insert_news(items, summary); !s) return std::unexpected(s.error());
  auto erase = db_.prepare(
      "DELETE FROM news_collect_progress WHERE vendor = ?1 AND query = ?2 AND covered_from >= ?3 AND covered_from <= ?4");
  if (!erase) return std::unexpected(erase.error());
  erase->bind(1, vendor).bind(2, query).bind(3, merged.covered_from).bind(4, merged.covered_to);
  if (auto s = erase->run(); !s) return std::unexpected(s.error());
  auto insert = db_.prepare(
      "INSERT INTO news_collect_progress(vendor, query, covered_from, covered_to, updated_at) "
      "VALUES(?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
  if (!insert) return std::unexpected(insert.error());
  insert->bind(1, vendor).bind(2, query).bind(3, merged.covered_from).bind(4, merged.covered_to);
  if (auto s = insert->run(); !s) return std::unexpected(s.error());
  if (auto s = tx->commit(); !s) return std::unexpected(s.error());
  return summary;
}

core::Status MarketStore::insert_news(const std::vector<NewsItem>& items, NewsWriteSummary& summary) {
  auto insert_item = db_.prepare(
      "INSERT INTO news_items(id, published_at, source, url, title, text) VALUES(?,?,?,?,?,?) "
      "ON CONFLICT(id) DO NOTHING");
  if (!insert_item) return std::unexpected(insert_item.error());
  auto find_tag = db_.prepare("SELECT relevance, vendor_score FROM news_tickers WHERE ticker = ? AND item_id = ?");
  if (!find_tag) return std::unexpected(find_tag.error());
  auto upsert_tag = db_.prepare(
      "INSERT INTO news_tickers(item_id, ticker, relevance, vendor_score) VALUES(?1,?2,?3,?4) "
      "ON CONFLICT(ticker, item_id) DO UPDATE SET relevance = excluded.relevance, vendor_score = excluded.vendor_score");
  if (!upsert_tag) return std::unexpected(upsert_tag.error());
  for (const NewsItem& item : items) {
    insert_item->bind(1, item.id).bind(2, item.published_at).bind(3, item.source).bind(4, item.url)
        .bind(5, item.title).bind(6, item.text);
    if (auto s = insert_item->run(); !s) return s;
    if (sqlite3_changes(db_.handle()) > 0) ++summary.items_added;
    else ++summary.items_known;
    for (const NewsTicker& t : item.tickers) {
      find_tag->bind(1, t.ticker).bind(2, item.id);
      auto row = find_tag->step();
      if (!row) return std::unexpected(row.error());
      bool write = true;
      if (*row) {
        const bool same_score = find_tag->is_null(1) ? !t.vendor_score.has_value()
                                                     : t.vendor_score && *t.vendor_score == find_tag->real(1);
        write = find_tag->real(0) != t.relevance || !same_score;
        if (write) ++summary.ticker_rows_updated;
      } else {
        ++summary.ticker_rows_added;
      }
      find_tag->reset();
      if (!write) continue;
      upsert_tag->bind(1, item.id).bind(2, t.ticker).bind(3, t.relevance);
      if (t.vendor_score) upsert_tag->bind(4, *t.vendor_score);
      else upsert_tag->bind_null(4);
      if (auto s = upsert_tag->run(); !s) return s;
    }
  }
  return {};
}

core::Result<std::vector<NewsItem>> MarketStore::news(const NewsQuery& query) {
  auto current = has_schema(db_, 4);
  if (!current) return std::unexpected(current.error());
  if (!*current) return std::vector<NewsItem>{};
  auto stmt = db_.prepare(
      "SELECT i.id, i.published_at, i.source, i.url, i.title, i.text, t.ticker, t.relevance, t.vendor_score "
      "FROM news_items i JOIN news_tickers t ON t.item_id = i.id "
      "WHERE (?1 IS NULL OR i.published_at >= ?1) AND (?2 IS NULL OR i.published_at < ?2) "
      "ORDER BY i.published_at, i.id, t.ticker");
  if (!stmt) return std::unexpected(stmt.error());
  if (query.from) stmt->bind(1, *query.from);
  if (query.to) stmt->bind(2, *query.to);
  const std::unordered_set<std::string> wanted(query.tickers.begin(), query.tickers.end());
  std::vector<NewsItem> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    std::string ticker = stmt->text(6);
    if (!wanted.empty() && !wanted.contains(ticker)) continue;
    std::string id = stmt->text(0);
    if (out.empty() || out.back().id != id) {
      out.push_back({.id = std::move(id), .published_at = stmt->int64(1), .source = stmt->text(2), .url = stmt->text(3),
                     .title = stmt->text(4), .text = stmt->text(5), .tickers = {}});
    }
    NewsTicker tag{.ticker = std::move(ticker), .relevance = stmt->real(7), .vendor_score = std::nullopt};
    if (!stmt->is_null(8)) tag.vendor_score = stmt->real(8);
    out.back().tickers.push_back(std::move(tag));
  }
  return out;
}

core::Result<NewsSummary> MarketStore::news_summary() {
  NewsSummary summary;
  auto current = has_schema(db_, 4);
  if (!current) return std::unexpected(current.error());
  if (!*current) return summary;
  auto stmt = db_.prepare(
      "SELECT (SELECT COUNT(*) FROM news_items), (SELECT COUNT(*) FROM news_tickers), "
      "(SELECT COUNT(DISTINCT ticker) FROM news_tickers), MIN(published_at), MAX(published_at) FROM news_items");
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  summary.items = stmt->int64(0);
  summary.ticker_rows = stmt->int64(1);
  summary.tickers = stmt->int64(2);
  if (!stmt->is_null(3)) summary.first_published_at = stmt->int64(3);
  if (!stmt->is_null(4)) summary.last_published_at = stmt->int64(4);
  return summary;
}

}  // namespace kestrel::store
