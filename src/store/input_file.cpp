#include "store/input_file.hpp"

#include <cmath>
#include <map>

#include <algorithm>
#include <array>

#include "store/csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::store {
namespace {

using core::Date;
using core::fail;
using core::Result;

enum class Kind { KestrelBars, YahooBars, AlphaVantageBars, Universe, CorporateActions, QualityFlags };

struct KnownHeader {
  Kind kind;
  std::vector<std::string_view> columns;  // lower-case; a trailing optional column is allowed
  std::size_t optional_trailing = 0;
};

const std::array<KnownHeader, 6>& known_headers() {
  static const std::array<KnownHeader, 6> headers = {{
      {Kind::KestrelBars, {"date", "open", "high", "low", "close", "adj_close", "volume"}},
      {Kind::YahooBars, {"date", "open", "high", "low", "close", "adj close", "volume"}},
      {Kind::AlphaVantageBars,
       {"timestamp", "open", "high", "low", "close", "adjusted_close", "volume", "dividend_amount",
        "split_coefficient"}},
      {Kind::Universe, {"ticker", "name", "sector", "industry"}, 1},
      {Kind::CorporateActions, {"ticker", "date", "dividend", "split_coefficient"}},
      {Kind::QualityFlags, {"ticker", "date", "flag", "detail"}},
  }};
  return headers;
}

// 1-based character column where field `index` starts (quotes respected).
std::size_t field_column(std::string_view line, std::size_t index) {
  std::size_t field = 0;
  bool in_quotes = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (field == index) return i + 1;
    const char c = line[i];
    if (c == '"') in_quotes = !in_quotes;
    if (c == ',' && !in_quotes) ++field;
  }
  return field == index ? line.size() + 1 : line.size();
}

// Walks data lines of one file and turns problems into "file:line:col: ..." errors.
class RowReader {
 public:
  RowReader(std::string_view text, std::string_view source) : lines_(text), source_(source) {}

  Result<Kind> read_header() {
    std::string_view line;
    if (!lines_.next(line)) return fail("{}:1:1: file is empty (expected a CSV header)", source_);
    if (!split_csv_line(line, fields_, storage_)) {
      return fail("{}:{}:1: unterminated quote in header", source_, lines_.line_number());
    }
    std::vector<std::string> names;
    for (auto f : fields_) names.push_back(to_lower(trim(f)));
    for (const KnownHeader& h : known_headers()) {
      const std::size_t max = h.columns.size(), min = max - h.optional_trailing;
      if (names.size() < min || names.size() > max) continue;
      if (std::equal(names.begin(), names.end(), h.columns.begin())) {
        header_ = std::move(names);
        return h.kind;
      }
    }
    return fail(
        "{}:{}:1: unrecognised header '{}'; expected one of: date,open,high,low,close,adj_close,"
        "volume (Kestrel) | Date,Open,High,Low,Close,Adj Close,Volume (Yahoo) | timestamp,open,"
        "high,low,close,adjusted_close,volume,dividend_amount,split_coefficient (Alpha Vantage) "
        "| ticker,name,sector[,industry] | ticker,date,dividend,split_coefficient | "
        "ticker,date,flag,detail",
        source_, lines_.line_number(), line);
  }

  // Next data row; false at the end. Errors on malformed rows.
  Result<bool> next() {
    if (!lines_.next(line_)) return false;
    if (!split_csv_line(line_, fields_, storage_)) {
      return error_at(0, "unterminated quote");
    }
    if (fields_.size() != header_.size()) {
      return fail("{}:{}:{}: expected {} fields ({}), found {} (truncated or malformed line)",
                  source_, lines_.line_number(), line_.size() + 1, header_.size(),
                  fmt::join(header_, ","), fields_.size());
    }
    return true;
  }

  std::string_view field(std::size_t i) const { return fields_[i]; }
  std::size_t field_count() const { return fields_.size(); }

  Result<Date> date(std::size_t i) const {
    if (auto d = Date::parse(trim(fields_[i]))) {
      if (*d < Date::from_ymd(kFirstInputYear, 1, 1) || *d > Date::from_ymd(kLastInputYear, 12, 31)) {
        return error_at(i, fmt::format("date {} is outside {}..{}", d->to_string(), kFirstInputYear, kLastInputYear));
      }
      return *d;
    }
    return error_at(i, fmt::format("'{}' is not a date (expected YYYY-MM-DD)", fields_[i]));
  }

  std::string where() const { return fmt::format("{}:{}", source_, lines_.line_number()); }

  Result<double> number(std::size_t i) const {
    if (auto v = parse_double(fields_[i])) return *v;
    return error_at(i, fmt::format("'{}' is not a number", fields_[i]));
  }

  std::unexpected<core::Error> error_at(std::size_t i, std::string_view reason) const {
    return fail("{}:{}:{}: field '{}': {}", source_, lines_.line_number(),
                field_column(line_, i), i < header_.size() ? header_[i] : "?", reason);
  }

  std::size_t line_number() const { return lines_.line_number(); }
  std::string_view source() const { return source_; }

 private:
  CsvLines lines_;
  std::string_view source_;
  std::string_view line_;
  std::vector<std::string> header_;
  std::vector<std::string_view> fields_;
  std::vector<std::string> storage_;
};

bool is_null_row(const RowReader& r, std::size_t n) {
  for (std::size_t i = 1; i < n; ++i) {
    if (r.field(i) != "null") return false;
  }
  return true;
}

Result<BarFile> parse_bars(RowReader& r, Kind kind, std::string ticker, ParseMode mode) {
  BarFile file;
  file.ticker = std::move(ticker);
  file.format = kind == Kind::YahooBars          ? BarFormat::Yahoo
                : kind == Kind::AlphaVantageBars ? BarFormat::AlphaVantage
                                                 : BarFormat::Kestrel;
  std::vector<std::size_t> line_of;  // line number of each bar, for duplicate messages
  for (;;) {
    auto more = r.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    if (file.format == BarFormat::Yahoo && is_null_row(r, 7)) {
      ++file.skipped_null_rows;
      continue;
    }
    Bar bar;
    auto date = r.date(0);
    if (!date) return std::unexpected(date.error());
    bar.date = *date;
    double* targets[] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.adj_close, &bar.volume};
    for (std::size_t i = 0; i < 6; ++i) {
      auto v = r.number(i + 1);
      if (!v) return std::unexpected(v.error());
      if (mode == ParseMode::Strict) {
        const bool volume = i == 5;
        if (!std::isfinite(*v)) return r.error_at(i + 1, fmt::format("{} is not a finite number", *v));
        if (volume && *v < 0) return r.error_at(i + 1, fmt::format("negative volume {}", *v));
        if (volume && *v > kMaxDailyVolume) {
          return r.error_at(i + 1, fmt::format("volume {} is beyond any day's trading (at most {:g})", *v, kMaxDailyVolume));
        }
        if (!volume && *v <= 0) return r.error_at(i + 1, fmt::format("price must be positive, got {}", *v));
      }
      *targets[i] = *v;
    }
    if (file.format == BarFormat::AlphaVantage) {
      auto dividend = r.number(7);
      if (!dividend) return std::unexpected(dividend.error());
      auto split = r.number(8);
      if (!split) return std::unexpected(split.error());
      if (mode == ParseMode::Strict && (*dividend < 0 || *split <= 0)) {
        return r.error_at(*dividend < 0 ? 7 : 8, "dividend must be >= 0 and split coefficient > 0");
      }
      if (*dividend != 0 || *split != 1) {
        file.actions.push_back({bar.date, *dividend, *split});
      }
    }
    file.bars.push_back(bar);
    line_of.push_back(r.line_number());
  }
  // Vendors differ in order (Alpha Vantage's CSV is newest first): sort, then insist on
  // unique dates.
  std::vector<std::size_t> order(file.bars.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return file.bars[a].date < file.bars[b].date;
  });
  std::vector<Bar> sorted;
  sorted.reserve(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    if (k > 0 && mode == ParseMode::Strict && file.bars[order[k - 1]].date == file.bars[i].date) {
      const std::size_t first = std::min(line_of[order[k - 1]], line_of[i]);
      const std::size_t second = std::max(line_of[order[k - 1]], line_of[i]);
      return fail("{}:{}:1: field 'date': duplicate date {} (also on line {})", r.source(), second,
                  file.bars[i].date.to_string(), first);
    }
    sorted.push_back(file.bars[i]);
  }
  file.bars = std::move(sorted);
  std::sort(file.actions.begin(), file.actions.end(),
            [](const auto& a, const auto& b) { return a.date < b.date; });
  return file;
}

Result<std::string> ticker_field(const RowReader& r) {
  std::string t = trim(r.field(0));
  if (t.empty()) return r.error_at(0, "empty ticker");
  return t;
}

Result<UniverseFile> parse_universe(RowReader& r) {
  UniverseFile file;
  std::map<std::string, std::size_t> line_of;
  for (;;) {
    auto more = r.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    auto ticker = ticker_field(r);
    if (!ticker) return std::unexpected(ticker.error());
    if (const auto [it, fresh] = line_of.emplace(*ticker, r.line_number()); !fresh) {
      return r.error_at(0, fmt::format("duplicate ticker {} (also on line {})", *ticker, it->second));
    }
    TickerInfo info{*ticker, trim(r.field(1)), trim(r.field(2)), ""};
    if (r.field_count() > 3) info.industry = trim(r.field(3));  // optional column
    file.tickers.push_back(std::move(info));
  }
  return file;
}

Result<CorporateActionsFile> parse_actions(RowReader& r) {
  CorporateActionsFile file;
  for (;;) {
    auto more = r.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    auto ticker = ticker_field(r);
    if (!ticker) return std::unexpected(ticker.error());
    auto date = r.date(1);
    if (!date) return std::unexpected(date.error());
    auto dividend = r.number(2);
    if (!dividend) return std::unexpected(dividend.error());
    auto split = r.number(3);
    if (!split) return std::unexpected(split.error());
    if (*dividend < 0) return r.error_at(2, "negative dividend");
    if (*split <= 0) return r.error_at(3, "split coefficient must be > 0");
    file.actions.push_back({*ticker, {*date, *dividend, *split}});
    file.where.push_back(r.where());
  }
  return file;
}

Result<QualityFlagsFile> parse_flags(RowReader& r) {
  QualityFlagsFile file;
  for (;;) {
    auto more = r.next();
    if (!more) return std::unexpected(more.error());
    if (!*more) break;
    auto ticker = ticker_field(r);
    if (!ticker) return std::unexpected(ticker.error());
    QualityFlag flag{*ticker, std::nullopt, trim(r.field(2)), std::string(r.field(3))};
    if (!trim(r.field(1)).empty()) {
      auto date = r.date(1);
      if (!date) return std::unexpected(date.error());
      flag.date = *date;
    }
    if (flag.flag.empty()) return r.error_at(2, "empty flag");
    file.flags.push_back(std::move(flag));
    file.where.push_back(r.where());
  }
  return file;
}

}  // namespace

std::string_view to_string(BarFormat format) {
  switch (format) {
    case BarFormat::Kestrel: return "kestrel";
    case BarFormat::Yahoo: return "yahoo";
    case BarFormat::AlphaVantage: return "alphavantage";
    case BarFormat::Alpaca: return "alpaca";
  }
  return "?";
}

Result<InputFile> parse_input_file(std::string_view text, std::string_view source,
                                   std::string ticker, ParseMode mode) {
  RowReader reader(text, source);
  auto kind = reader.read_header();
  if (!kind) return std::unexpected(kind.error());
  switch (*kind) {
    case Kind::KestrelBars:
    case Kind::YahooBars:
    case Kind::AlphaVantageBars: {
      if (ticker.empty()) return fail("{}: cannot tell the ticker from the file name", source);
      auto bars = parse_bars(reader, *kind, std::move(ticker), mode);
      if (!bars) return std::unexpected(bars.error());
      return InputFile(std::move(*bars));
    }
    case Kind::Universe: {
      auto u = parse_universe(reader);
      if (!u) return std::unexpected(u.error());
      return InputFile(std::move(*u));
    }
    case Kind::CorporateActions: {
      auto a = parse_actions(reader);
      if (!a) return std::unexpected(a.error());
      return InputFile(std::move(*a));
    }
    case Kind::QualityFlags: {
      auto f = parse_flags(reader);
      if (!f) return std::unexpected(f.error());
      return InputFile(std::move(*f));
    }
  }
  return fail("{}: unsupported file", source);
}

Result<InputFile> read_input_file(const std::filesystem::path& path, ParseMode mode) {
  auto text = read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_input_file(*text, path.string(), ticker_from_filename(path), mode);
}

std::string ticker_from_filename(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  for (std::string_view suffix : {".gz", ".csv"}) {
    if (name.size() > suffix.size() && to_lower(name).ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
    }
  }
  return name;
}

Result<std::vector<std::filesystem::path>> expand_input_paths(
    const std::vector<std::filesystem::path>& paths) {
  namespace fs = std::filesystem;
  auto is_csv = [](const fs::path& p) {
    const std::string name = to_lower(p.filename().string());
    return name.ends_with(".csv") || name.ends_with(".csv.gz");
  };
  std::vector<fs::path> files;
  for (const fs::path& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> inside;
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        if (!is_csv(entry.path())) continue;
        std::error_code target;
        if (entry.is_symlink() && !fs::exists(entry.path(), target)) {
          return fail("{}: broken symbolic link (its target {} does not exist)", entry.path().string(),
                      fs::read_symlink(entry.path(), target).string());
        }
        if (entry.is_regular_file()) inside.push_back(entry.path());
      }
      if (ec) return fail("{}: cannot list folder: {}", p.string(), ec.message());
      if (inside.empty()) return fail("{}: folder has no .csv or .csv.gz files", p.string());
      std::sort(inside.begin(), inside.end());
      files.insert(files.end(), inside.begin(), inside.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      return fail("{}: no such file or folder", p.string());
    }
  }
  return files;
}

}  // namespace kestrel::store
