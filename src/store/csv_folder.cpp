#include "store/csv_folder.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <tbb/parallel_for.h>

#include "store/csv.hpp"
#include "store/input_file.hpp"
#include "store/text_file.hpp"

namespace kestrel::store {
namespace {

constexpr std::string_view kKestrelHeader = "date,open,high,low,close,adj_close,volume";

// Powers of ten that are exact doubles (10^22 is the largest).
constexpr double kExactPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Scans a plain decimal "digits[.digits]" at p. When its significand m fits in 53 bits and it
// has at most 22 decimals, m / 10^k divides two exact doubles, and IEEE division rounds
// correctly, so the result is bit-identical to std::from_chars (Clinger's fast path). Returns
// the end of the number, or nullptr when the text is not in that form.
const char* parse_plain_decimal(const char* p, const char* end, double& value) {
  std::uint64_t m = 0;
  int digits = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10) {
    m = m * 10 + static_cast<unsigned>(*p - '0');
    ++p;
    ++digits;
  }
  int decimals = 0;
  if (p < end && *p == '.') {
    ++p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) {
      m = m * 10 + static_cast<unsigned>(*p - '0');
      ++p;
      ++decimals;
    }
    if (decimals == 0) return nullptr;
  }
  if (digits + decimals == 0 || digits + decimals > 19 || m > (std::uint64_t{1} << 53) || decimals > 22) {
    return nullptr;
  }
  value = static_cast<double>(m) / kExactPow10[decimals];
  return p;
}

// Parses one price/volume field starting at p and ending at `delimiter` (',' or the line end).
// Returns the position of the delimiter, or nullptr when the field is not a number >= 0 (the
// caller then leaves the file to the full parser, which reports it).
const char* parse_value(const char* p, const char* end, bool last, double& value) {
  const char* stop = parse_plain_decimal(p, end, value);
  const bool at_delimiter = stop != nullptr && (last ? (stop == end || *stop == '\n' || *stop == '\r') : (stop < end && *stop == ','));
  if (at_delimiter) return stop;
  // Anything else (exponent, sign, many digits): the generic number parser on the field.
  stop = p;
  while (stop < end && *stop != ',' && *stop != '\n') ++stop;
  std::string_view field(p, static_cast<std::size_t>(stop - p));
  if (last && field.ends_with('\r')) {
    field.remove_suffix(1);
    --stop;
  }
  const auto parsed = parse_double(field);
  if (!parsed || *parsed < 0) return nullptr;
  if (last ? stop != end && *stop != '\n' && *stop != '\r' : stop == end || *stop != ',') return nullptr;
  value = *parsed;
  return stop;
}

// "YYYY-MM-DD" -> Date with Date::parse's checks. Consecutive bars mostly share their month,
// so the day count of the month's first day is cached.
class DateScanner {
 public:
  std::optional<core::Date> scan(const char* p) {
    if (std::memcmp(p, month_, 8) != 0) {
      if (p[4] != '-' || p[7] != '-') return std::nullopt;
      int y = 0;
      for (int i = 0; i < 4; ++i) {
        if (static_cast<unsigned>(p[i] - '0') >= 10) return std::nullopt;
        y = y * 10 + (p[i] - '0');
      }
      if (static_cast<unsigned>(p[5] - '0') >= 10 || static_cast<unsigned>(p[6] - '0') >= 10) return std::nullopt;
      const unsigned m = static_cast<unsigned>((p[5] - '0') * 10 + (p[6] - '0'));
      if (m < 1 || m > 12) return std::nullopt;
      first_ = core::Date::from_ymd(y, m, 1);
      const core::Date next = m == 12 ? core::Date::from_ymd(y + 1, 1, 1) : core::Date::from_ymd(y, m + 1, 1);
      days_in_month_ = next - first_;
      std::memcpy(month_, p, 8);
    }
    if (static_cast<unsigned>(p[8] - '0') >= 10 || static_cast<unsigned>(p[9] - '0') >= 10) return std::nullopt;
    const int d = (p[8] - '0') * 10 + (p[9] - '0');
    if (d < 1 || d > days_in_month_) return std::nullopt;
    return first_ + (d - 1);
  }

 private:
  char month_[8] = {};  // "YYYY-MM-" of the cached month
  core::Date first_;
  std::int32_t days_in_month_ = 0;
};

// The fast path for Kestrel-format bar files: the exact header, then lines of
// "YYYY-MM-DD,open,high,low,close,adj_close,volume" with strictly ascending dates. Returns
// nothing for any other text, so the caller can hand it to parse_input_file.
std::optional<BarFile> parse_kestrel_bars(std::string_view text, std::string ticker) {
  if (!text.starts_with(kKestrelHeader) || ticker.empty()) return std::nullopt;
  const char* p = text.data() + kKestrelHeader.size();
  const char* const end = text.data() + text.size();
  if (p < end && *p == '\r') ++p;
  if (p < end && *p != '\n') return std::nullopt;
  if (p < end) ++p;

  BarFile file;
  file.ticker = std::move(ticker);
  file.format = BarFormat::Kestrel;
  file.bars.reserve(text.size() / 48);
  DateScanner dates;
  while (p < end) {
    if (end - p < 11 || p[10] != ',') return std::nullopt;
    const auto date = dates.scan(p);
    if (!date || (!file.bars.empty() && *date <= file.bars.back().date)) return std::nullopt;
    Bar& bar = file.bars.emplace_back();
    bar.date = *date;
    p += 11;
    double* targets[] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.adj_close, &bar.volume};
    for (int i = 0; i < 6; ++i) {
      p = parse_value(p, end, i == 5, *targets[i]);
      if (p == nullptr) return std::nullopt;
      if (i < 5) ++p;  // the comma
    }
    if (p < end && *p == '\r') ++p;
    if (p < end) {
      if (*p != '\n') return std::nullopt;
      ++p;
    }
  }
  return file;
}

core::Result<InputFile> read_file(const std::filesystem::path& path) {
  auto text = read_text_file(path);
  if (!text) return std::unexpected(text.error());
  std::string ticker = ticker_from_filename(path);
  if (auto bars = parse_kestrel_bars(*text, ticker)) return InputFile(std::move(*bars));
  return parse_input_file(*text, path.string(), std::move(ticker));
}

}  // namespace

core::Result<std::vector<TickerSeries>> read_csv_folder(const std::filesystem::path& folder) {
  auto paths = expand_input_paths({folder});
  if (!paths) return std::unexpected(paths.error());
  std::vector<std::optional<core::Result<InputFile>>> files(paths->size());
  tbb::parallel_for(std::size_t{0}, paths->size(), [&](std::size_t i) { files[i] = read_file((*paths)[i]); });

  std::vector<TickerSeries> series;
  std::map<std::string, std::string> sectors;
  std::map<std::string, std::vector<CorporateAction>> actions;
  for (auto& file : files) {
    if (!*file) return std::unexpected((*file).error());
    auto& parsed = **file;
    if (auto* bars = std::get_if<BarFile>(&parsed)) {
      series.push_back({std::move(bars->ticker), "", std::move(bars->bars), std::move(bars->actions)});
    } else if (auto* universe = std::get_if<UniverseFile>(&parsed)) {
      for (const auto& info : universe->tickers) sectors[info.symbol] = info.sector;
    } else if (auto* listed = std::get_if<CorporateActionsFile>(&parsed)) {
      for (const auto& [ticker, action] : listed->actions) actions[ticker].push_back(action);
    }
  }
  for (auto& s : series) {
    if (auto it = sectors.find(s.symbol); it != sectors.end()) s.sector = it->second;
    if (auto it = actions.find(s.symbol); it != actions.end()) {
      s.actions.insert(s.actions.end(), it->second.begin(), it->second.end());
    }
    std::ranges::stable_sort(s.actions, {}, &CorporateAction::date);
  }
  return series;
}

core::Result<Panel> load_csv_panel(const std::filesystem::path& folder) {
  auto series = read_csv_folder(folder);
  if (!series) return std::unexpected(series.error());
  if (series->empty()) return core::fail("{}: no bar files (TICKER.csv or TICKER.csv.gz) found", folder.string());
  return Panel::build(*series);
}

}  // namespace kestrel::store
