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

}  // namespace kestrel::core
