#pragma once
// News as CSV, the form `kestrel news import` reads (e.g. ../shared/data/news/tweets-2014-2015.csv.gz):
//   published_at,ticker,source,text[,url][,title][,relevance][,score]
// in any column order, one row per (text, ticker). published_at is ISO 8601 with an offset
// ("2014-01-01T01:18:36+00:00" or "...Z"); quoted texts may span lines. Rows of one text for
// several tickers become one item. Errors name file:line and the field.
//
// The cashtag check (on by default): a row is kept only if its text names the ticker as a
// cashtag, "$AAPL" as a whole word (not "U$D" for D, not "$DIS" for D); a class share also
// answers to its root ("$BRK" for BRK.B) and a renamed company to the aliases given
// (BKNG -> PCLN). Ticker-tagged social media is polluted for short tickers; this is what
// keeps Spanish "U$D" tweets out of Dominion Energy's news.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/news_item.hpp"

namespace kestrel::store {

struct NewsCsvOptions {
  bool require_cashtag = true;
  std::map<std::string, std::vector<std::string>> cashtag_aliases;  // ticker -> other cashtags
};

struct CashtagSkips {
  std::size_t rows = 0;
  std::size_t skipped = 0;
};

struct NewsCsvFile {
  std::vector<NewsItem> items;  // in order of first appearance
  std::size_t rows = 0;
  std::size_t duplicate_rows = 0;  // the same text, time and ticker again
  std::map<std::string, CashtagSkips> cashtag;  // per ticker: rows read and rows skipped
  std::size_t skipped_without_cashtag() const;
};

// Whether `text` names `ticker` (or one of `aliases`) as a whole-word cashtag.
bool mentions_cashtag(std::string_view text, std::string_view ticker, const std::vector<std::string>& aliases = {});

core::Result<NewsCsvFile> parse_news_csv(std::string_view text, std::string_view source_name,
                                         const NewsCsvOptions& options = {});

}  // namespace kestrel::store
