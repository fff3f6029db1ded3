#pragma once
// New York local time (the NYSE's clock) from UTC, with the US daylight-saving rules: since
// 2007 from the second Sunday of March to the first Sunday of November, 1987-2006 from the
// first Sunday of April to the last Sunday of October, earlier from the last Sunday of April
// (the 1974-75 energy-crisis years are not modelled). The switch happens at 02:00 local time.
// Used to put news on the trading session it can first affect (features/news_sessions.hpp).
#include <cstdint>

#include "core/date.hpp"

namespace kestrel::core {

struct NewYorkTime {
  Date date;                  // the local calendar day
  std::int32_t seconds = 0;   // seconds since local midnight
  bool daylight_saving = false;
};

NewYorkTime new_york_time(std::int64_t unix_seconds);

// The UTC instant (seconds since the epoch) of a New York wall-clock time. In the hour the
// clocks go back, which happens twice, the later instant; in the hour skipped in spring, the
// time as if standard time still held (also the later reading).
std::int64_t from_new_york_time(Date date, std::int32_t seconds);

}  // namespace kestrel::core
