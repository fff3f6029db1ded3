#include "core/new_york_time.hpp"

namespace kestrel::core {
namespace {

// The n-th (1-based) Sunday of a month, or its last when n is 0.
Date sunday_of(int year, unsigned month, unsigned n) {
  if (n == 0) {
    const Date next_month = month == 12 ? Date::from_ymd(year + 1, 1, 1) : Date::from_ymd(year, month + 1, 1);
    Date d = next_month - 1;
    while (d.weekday() != 6) d = d - 1;
    return d;
  }
  Date d = Date::from_ymd(year, month, 1);
  while (d.weekday() != 6) d = d + 1;
  return d + static_cast<std::int32_t>(7 * (n - 1));
}

// Daylight saving's start and end days of a year (each switch at 02:00 local time).
struct DstRule {
  Date begins;
  Date ends;
};

DstRule dst_rule(int year) {
  if (year >= 2007) return {sunday_of(year, 3, 2), sunday_of(year, 11, 1)};
  if (year >= 1987) return {sunday_of(year, 4, 1), sunday_of(year, 10, 0)};
  return {sunday_of(year, 4, 0), sunday_of(year, 10, 0)};
}

}  // namespace

NewYorkTime new_york_time(std::int64_t unix_seconds) {
  constexpr std::int64_t kDay = 86400;
  auto split = [&](std::int64_t offset_seconds) {
    const std::int64_t local = unix_seconds + offset_seconds;
    const std::int64_t day = local >= 0 ? local / kDay : -((-local + kDay - 1) / kDay);
    return NewYorkTime{.date = Date::from_days(static_cast<std::int32_t>(day)),
                       .seconds = static_cast<std::int32_t>(local - day * kDay),
                       .daylight_saving = offset_seconds == -4 * 3600};
  };
  // Standard time first; then whether that instant falls inside daylight saving. The start
  // switch is at 02:00 EST (07:00 UTC), the end at 02:00 EDT (= 01:00 EST, 06:00 UTC).
  const NewYorkTime standard = split(-5 * 3600);
  const DstRule rule = dst_rule(standard.date.year());
  const std::int64_t starts = static_cast<std::int64_t>(rule.begins.days()) * kDay + 7 * 3600;
  const std::int64_t ends = static_cast<std::int64_t>(rule.ends.days()) * kDay + 6 * 3600;
  if (unix_seconds >= starts && unix_seconds < ends) return split(-4 * 3600);
  return standard;
}

std::int64_t from_new_york_time(Date date, std::int32_t seconds) {
  const std::int64_t local = static_cast<std::int64_t>(date.days()) * 86400 + seconds;
  const std::int64_t as_standard = local + 5 * 3600;  // the later of the two readings
  const NewYorkTime back = new_york_time(as_standard);
  if (!back.daylight_saving) return as_standard;
  const std::int64_t as_daylight = local + 4 * 3600;
  const NewYorkTime check = new_york_time(as_daylight);
  // Inside daylight saving the EDT reading is the one that maps back to the same wall time.
  if (check.daylight_saving && check.date == date && check.seconds == seconds) return as_daylight;
  return as_standard;
}

}  // namespace kestrel::core
