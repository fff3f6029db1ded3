#pragma once
// Time as the trading code sees it. Everything that needs "now" receives a Clock: SimClock in
// backtests (set by the engine as it replays bars), a live clock in paper/live trading. Nothing
// else reads the system time, which is what makes a backtest rerun bit-identical.
#include <cstdint>

#include "core/date.hpp"

namespace kestrel::core {

using UnixNanos = std::int64_t;  // nanoseconds since 1970-01-01T00:00:00Z

inline constexpr UnixNanos kNanosPerSecond = 1'000'000'000;
inline constexpr UnixNanos kNanosPerDay = 86'400 * kNanosPerSecond;

// Midnight UTC of `date` plus `seconds`.
constexpr UnixNanos at_time_of_day(Date date, std::int64_t seconds) {
  return static_cast<UnixNanos>(date.days()) * kNanosPerDay + seconds * kNanosPerSecond;
}
// Nominal session times, seconds after midnight UTC of the trading day (09:30, 12:45 and 16:00
// New York standard time). Daily bars carry no intraday time; these order the events of a day.
inline constexpr std::int64_t kSessionOpenSecond = 14 * 3600 + 30 * 60;
inline constexpr std::int64_t kSessionMiddaySecond = 17 * 3600 + 45 * 60;
inline constexpr std::int64_t kSessionCloseSecond = 21 * 3600;

constexpr Date date_of(UnixNanos t) {
  return Date::from_days(static_cast<std::int32_t>(t >= 0 ? t / kNanosPerDay : (t - kNanosPerDay + 1) / kNanosPerDay));
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixNanos now() const = 0;
  Date today() const { return date_of(now()); }
};

// Advanced explicitly by whoever replays history. It never moves backwards: advance_to an
// earlier time is refused (returns false) so the caller can report the bug.
class SimClock final : public Clock {
 public:
  explicit SimClock(UnixNanos start = 0) : now_(start) {}
  UnixNanos now() const override { return now_; }
  // Returns false (and keeps the time) when `t` is earlier than now.
  bool advance_to(UnixNanos t) {
    if (t < now_) return false;
    now_ = t;
    return true;
  }

 private:
  UnixNanos now_;
};

}  // namespace kestrel::core
