#include "core/iso_time.hpp"

#include <charconv>

#include <fmt/format.h>

namespace kestrel::core {

std::string iso_time(UnixNanos t) {
  const Date d = date_of(t);
  const UnixNanos in_day = t - at_time_of_day(d, 0);
  const std::int64_t s = in_day / kNanosPerSecond;
  return fmt::format("{}T{:02}:{:02}:{:02}Z", d.to_string(), s / 3600, (s / 60) % 60, s % 60);
}

std::optional<UnixNanos> parse_iso_time(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z') return std::nullopt;
  const auto date = Date::parse(text.substr(0, 10));
  if (!date) return std::nullopt;
  int parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const char* first = text.data() + 11 + 3 * i;
    if (std::from_chars(first, first + 2, parts[i]).ptr != first + 2) return std::nullopt;
  }
  if (parts[0] > 23 || parts[1] > 59 || parts[2] > 60) return std::nullopt;
  return at_time_of_day(*date, parts[0] * 3600 + parts[1] * 60 + parts[2]);
}

std::optional<std::int64_t> parse_iso8601_seconds(std::string_view text) {
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':') return std::nullopt;
  const auto date = Date::parse(text.substr(0, 10));
  if (!date) return std::nullopt;
  auto two_digits = [&](std::size_t at, int& out) {
    const char* first = text.data() + at;
    return std::from_chars(first, first + 2, out).ptr == first + 2 && first[0] >= '0' && first[0] <= '9';
  };
  int h = 0, m = 0, s = 0;
  if (!two_digits(11, h) || !two_digits(14, m) || !two_digits(17, s)) return std::nullopt;
  if (h > 23 || m > 59 || s > 60) return std::nullopt;
  std::string_view rest = text.substr(19);
  if (rest.starts_with('.')) {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 1) return std::nullopt;
    rest.remove_prefix(i);
  }
  std::int64_t offset = 0;
  if (rest == "Z") {
    offset = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    const std::size_t at = text.size() - 6;
    if (!two_digits(at + 1, oh) || !two_digits(at + 4, om) || oh > 23 || om > 59) return std::nullopt;
    offset = (rest[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(date->days()) * 86400 + h * 3600 + m * 60 + s - offset;
}

}  // namespace kestrel::core
