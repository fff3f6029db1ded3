#include "store/trading_calendar.hpp"

#include <algorithm>

#include "store/csv.hpp"
#include "store/nyse_closures_csv.hpp"

namespace kestrel::store {

using core::Date;
using core::fail;
using core::Result;

Result<TradingCalendar> TradingCalendar::nyse() {
  // The range tools/generate_nyse_calendar.py writes (FIRST_YEAR .. LAST_YEAR).
  return from_csv(embedded_nyse_closures_csv(), "data/calendar/nyse_closures.csv",
                  Date::from_ymd(1980, 1, 1), Date::from_ymd(2030, 12, 31));
}

Result<TradingCalendar> TradingCalendar::from_csv(std::string_view text, std::string_view source,
                                                  Date first, Date last) {
  if (last < first) {
    return fail("{}: calendar range {} .. {} is empty", source, first.to_string(),
                last.to_string());
  }
  CsvLines lines(text);
  std::string_view line;
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  if (!lines.next(line) || !split_csv_line(line, fields, storage) || fields.size() != 2 ||
      trim(fields[0]) != "date" || trim(fields[1]) != "reason") {
    return fail("{}:1:1: expected the header 'date,reason'", source);
  }
  std::vector<Closure> closures;
  while (lines.next(line)) {
    const std::size_t n = lines.line_number();
    if (!split_csv_line(line, fields, storage) || fields.size() != 2) {
      return fail("{}:{}:1: expected 2 fields (date,reason)", source, n);
    }
    const auto date = Date::parse(trim(fields[0]));
    if (!date)
      return fail("{}:{}:1: '{}' is not a date (expected YYYY-MM-DD)", source, n, fields[0]);
    if (date->is_weekend()) return fail("{}:{}:1: {} is a weekend day", source, n, fields[0]);
    if (*date < first || last < *date) {
      return fail("{}:{}:1: {} is outside the calendar range {} .. {}", source, n, fields[0],
                  first.to_string(), last.to_string());
    }
    if (!closures.empty() && *date <= closures.back().date) {
      return fail("{}:{}:1: {} is not after the previous closure {} (dates must ascend, once each)",
                  source, n, fields[0], closures.back().date.to_string());
    }
    closures.push_back({*date, trim(fields[1])});
  }
  return TradingCalendar(first, last, std::move(closures));
}

TradingCalendar::TradingCalendar(Date first, Date last, std::vector<Closure> closures)
    : first_(first), last_(last), closures_(std::move(closures)) {
  const auto days = static_cast<std::size_t>(last_ - first_) + 1;
  is_session_.resize(days);
  for (std::size_t i = 0; i < days; ++i) {
    is_session_[i] = !(first_ + static_cast<std::int32_t>(i)).is_weekend();
  }
  for (const Closure& c : closures_) is_session_[static_cast<std::size_t>(c.date - first_)] = false;
  sessions_before_.resize(days + 1);
  for (std::size_t i = 0; i < days; ++i) {
    sessions_before_[i + 1] = sessions_before_[i] + (is_session_[i] ? 1 : 0);
  }
}

core::Status TradingCalendar::check_range(Date date) const {
  if (covers(date)) return {};
  return fail("{} is outside the trading calendar's range {} .. {}", date.to_string(),
              first_.to_string(), last_.to_string());
}

core::Status TradingCalendar::check_range(Date from, Date to) const {
  if (to < from) return {};  // an empty interval needs no calendar
  if (auto ok = check_range(from); !ok) return ok;
  return check_range(to);
}

Result<bool> TradingCalendar::is_session(Date date) const {
  if (auto ok = check_range(date); !ok) return std::unexpected(ok.error());
  return session_at(date);
}

Result<std::optional<std::string>> TradingCalendar::closure_reason(Date date) const {
  if (auto ok = check_range(date); !ok) return std::unexpected(ok.error());
  auto it = std::lower_bound(closures_.begin(), closures_.end(), date,
                             [](const Closure& c, Date d) { return c.date < d; });
  if (it == closures_.end() || it->date != date) return std::optional<std::string>();
  return std::optional<std::string>(it->reason);
}

Result<std::vector<Date>> TradingCalendar::sessions(Date from, Date to) const {
  if (auto ok = check_range(from, to); !ok) return std::unexpected(ok.error());
  std::vector<Date> out;
  for (Date d = from; d <= to; d = d + 1) {
    if (session_at(d)) out.push_back(d);
  }
  return out;
}

Result<std::int64_t> TradingCalendar::session_count(Date from, Date to) const {
  if (auto ok = check_range(from, to); !ok) return std::unexpected(ok.error());
  if (to < from) return std::int64_t{0};
  return std::int64_t{sessions_before_[static_cast<std::size_t>(to - first_) + 1] -
                      sessions_before_[static_cast<std::size_t>(from - first_)]};
}

Result<Date> TradingCalendar::next_session(Date date) const {
  for (Date d = date + 1; covers(d); d = d + 1) {
    if (session_at(d)) return d;
  }
  return fail("no session after {} within the trading calendar's range {} .. {}", date.to_string(),
              first_.to_string(), last_.to_string());
}

Result<Date> TradingCalendar::previous_session(Date date) const {
  for (Date d = date - 1; covers(d); d = d - 1) {
    if (session_at(d)) return d;
  }
  return fail("no session before {} within the trading calendar's range {} .. {}", date.to_string(),
              first_.to_string(), last_.to_string());
}

}  // namespace kestrel::store
