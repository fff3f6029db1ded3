#include "store/news_csv.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <unordered_map>

#include <fmt/format.h>

#include "core/iso_time.hpp"
#include "store/csv.hpp"
#include "store/input_file.hpp"

namespace kestrel::store {
namespace {

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool has_cashtag(std::string_view text, std::string_view symbol) {
  if (symbol.empty()) return false;
  for (std::size_t at = text.find('$'); at != std::string_view::npos; at = text.find('$', at + 1)) {
    if (at > 0 && is_word_char(text[at - 1])) continue;  // "U$D"
    if (text.size() - at - 1 < symbol.size()) break;
    bool same = true;
    for (std::size_t i = 0; i < symbol.size() && same; ++i) {
      same = std::toupper(static_cast<unsigned char>(text[at + 1 + i])) == std::toupper(static_cast<unsigned char>(symbol[i]));
    }
    if (!same) continue;
    const std::size_t after = at + 1 + symbol.size();
    if (after < text.size() && is_word_char(text[after])) continue;  // "$DIS" is not D
    return true;
  }
  return false;
}

bool plain_ticker(std::string_view t) {
  if (t.empty() || t.size() > 12) return false;
  for (char c : t) {
    if (!std::isupper(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-') return false;
  }
  return true;
}

enum Column { kPublishedAt, kTicker, kSource, kText, kUrl, kTitle, kRelevance, kScore, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames = {"published_at", "ticker", "source", "text",
                                                                     "url",          "title",  "relevance", "score"};
constexpr std::size_t kRequiredColumns = 4;

}  // namespace

std::size_t NewsCsvFile::skipped_without_cashtag() const {
  std::size_t n = 0;
  for (const auto& [ticker, c] : cashtag) n += c.skipped;
  return n;
}

bool mentions_cashtag(std::string_view text, std::string_view ticker, const std::vector<std::string>& aliases) {
  if (has_cashtag(text, ticker)) return true;
  // A class share: BRK.B answers to $BRK.B, $BRK-B and $BRK.
  if (const auto dot = ticker.find_first_of(".-"); dot != std::string_view::npos) {
    if (has_cashtag(text, ticker.substr(0, dot))) return true;
    std::string dashed(ticker);
    dashed[dot] = ticker[dot] == '.' ? '-' : '.';
    if (has_cashtag(text, dashed)) return true;
  }
  for (const auto& alias : aliases) {
    if (has_cashtag(text, alias)) return true;
  }
  return false;
}

core::Result<NewsCsvFile> parse_news_csv(std::string_view text, std::string_view source_name,
                                         const NewsCsvOptions& options) {
  CsvRecords records(text);
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  bool malformed = false;
  auto where = [&] { return fmt::format("{}:{}", source_name, records.line_number()); };
  if (!records.next(fields, storage, malformed)) {
    if (malformed) return core::fail("{}: a quoted field is never closed", where());
    return core::fail("{}: empty file (expected a header {})", source_name, "published_at,ticker,source,text");
  }
  std::array<std::optional<std::size_t>, kColumnCount> column;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string name = to_lower(trim(fields[i]));
    std::size_t c = 0;
    while (c < kColumnCount && kColumnNames[c] != name) ++c;
    if (c == kColumnCount) {
      return core::fail("{}: unknown column '{}' (news CSV columns: published_at,ticker,source,text and optionally "
                        "url,title,relevance,score)", where(), name);
    }
    if (column[c]) return core::fail("{}: column '{}' appears twice", where(), name);
    column[c] = i;
  }
  for (std::size_t c = 0; c < kRequiredColumns; ++c) {
    if (!column[c]) return core::fail("{}: no '{}' column (news CSV header: published_at,ticker,source,text)", where(), kColumnNames[c]);
  }

  const std::size_t header_fields = fields.size();
  NewsCsvFile out;
  std::unordered_map<std::string, std::size_t> item_of_id;
  static const std::vector<std::string> kNoAliases;
  while (records.next(fields, storage, malformed)) {
    ++out.rows;
    if (fields.size() != header_fields) {
      return core::fail("{}: {} fields, the header has {}", where(), fields.size(), header_fields);
    }
    auto field = [&](Column c) -> std::string_view { return column[c] ? fields[*column[c]] : std::string_view{}; };
    auto bad = [&](Column c, std::string_view why) {
      return core::fail("{}: field {}: '{}' {}", where(), kColumnNames[c], field(c).substr(0, 80), why);
    };
    const auto published = core::parse_iso8601_seconds(trim(field(kPublishedAt)));
    if (!published) return bad(kPublishedAt, "is not an ISO 8601 time with an offset (e.g. 2014-01-01T01:18:36+00:00)");
    const int year = core::Date::from_days(static_cast<std::int32_t>(*published / 86400)).year();
    if (year < kFirstInputYear || year > kLastInputYear) {
      return bad(kPublishedAt, fmt::format("is outside {}..{}", kFirstInputYear, kLastInputYear));
    }
    const std::string ticker = trim(field(kTicker));
    if (!plain_ticker(ticker)) return bad(kTicker, "is not a ticker (upper-case letters, digits, '.', '-')");
    const std::string source = trim(field(kSource));
    if (source.empty()) return bad(kSource, "is empty");
    const std::string_view body = field(kText);
    if (trim(body).empty()) return bad(kText, "is empty");
    NewsTicker tag{.ticker = ticker, .relevance = 1, .vendor_score = std::nullopt};
    if (column[kRelevance]) {
      const auto r = parse_double(trim(field(kRelevance)));
      if (!r || *r < 0 || *r > 1) return bad(kRelevance, "is not a number in [0, 1]");
      tag.relevance = *r;
    }
    if (column[kScore] && !trim(field(kScore)).empty()) {
      const auto s = parse_double(trim(field(kScore)));
      if (!s || *s < -1 || *s > 1) return bad(kScore, "is not a sentiment score in [-1, 1]");
      tag.vendor_score = *s;
    }

    auto& counts = out.cashtag[ticker];
    ++counts.rows;
    if (options.require_cashtag) {
      const auto alias = options.cashtag_aliases.find(ticker);
      if (!mentions_cashtag(body, ticker, alias != options.cashtag_aliases.end() ? alias->second : kNoAliases)) {
        ++counts.skipped;
        continue;
      }
    }

    const std::string url(trim(field(kUrl)));
    std::string id = news_item_id(url, source, *published, body);
    auto [it, inserted] = item_of_id.try_emplace(id, out.items.size());
    if (inserted) {
      out.items.push_back({.id = std::move(id), .published_at = *published, .source = source, .url = url,
                           .title = std::string(trim(field(kTitle))), .text = std::string(body), .tickers = {}});
    }
    NewsItem& item = out.items[it->second];
    bool duplicate = false;
    for (const auto& t : item.tickers) {
      if (t.ticker != ticker) continue;
      if (t.vendor_score != tag.vendor_score || t.relevance != tag.relevance) {
        return core::fail("{}: the same item for {} appears again with a different relevance or score", where(), ticker);
      }
      duplicate = true;
    }
    if (duplicate) {
      ++out.duplicate_rows;
      continue;
    }
    item.tickers.push_back(std::move(tag));
  }
  if (malformed) return core::fail("{}: a quoted field is never closed", where());
  for (auto& item : out.items) {
    std::sort(item.tickers.begin(), item.tickers.end(), [](const auto& a, const auto& b) { return a.ticker < b.ticker; });
  }
  return out;
}

}  // namespace kestrel::store
