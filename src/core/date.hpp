#pragma once
// Calendar dates as a day count since 1970-01-01 (proleptic Gregorian). Daily bars need no
// time of day; an int32 is compact in columnar snapshots and trivially comparable.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kestrel::core {

class Date {
 public:
  constexpr Date() = default;
  static constexpr Date from_days(std::int32_t days) { return Date(days); }
  static Date from_ymd(int year, unsigned month, unsigned day);
  // Accepts exactly "YYYY-MM-DD" and checks the day exists.
  static std::optional<Date> parse(std::string_view text);

  constexpr std::int32_t days() const { return days_; }
  int year() const;
  unsigned month() const;
  unsigned day() const;
  // 0 = Monday … 6 = Sunday (ISO order).
  unsigned weekday() const;
  bool is_weekend() const { return weekday() >= 5; }
  std::string to_string() const;

  constexpr Date operator+(std::int32_t n) const { return Date(days_ + n); }
  constexpr Date operator-(std::int32_t n) const { return Date(days_ - n); }
  constexpr std::int32_t operator-(Date other) const { return days_ - other.days_; }
  constexpr auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(std::int32_t days) : days_(days) {}
  std::int32_t days_ = 0;
};

}  // namespace kestrel::core
