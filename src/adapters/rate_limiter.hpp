#pragma once
// Spaces calls evenly: with N calls per minute, consecutive calls start at least 60/N s apart.
// Even spacing (rather than bursts) is what vendors such as Alpha Vantage's free tier (at
// most 1 request per second) tolerate without answering with throttle notices. Daily quotas
// are not counted here: the vendor's own notice says when one is used up.
#include <optional>

#include "adapters/sleep_clock.hpp"

namespace kestrel::adapters {

class RateLimiter {
 public:
  // calls_per_minute <= 0 disables pacing.
  RateLimiter(double calls_per_minute, SleepClock& clock);

  // Waits (through the clock) until the next call may start, and records that it starts now.
  void acquire();

  SleepClock::Duration interval() const { return interval_; }

 private:
  SleepClock::Duration interval_;
  SleepClock& clock_;
  std::optional<SleepClock::TimePoint> last_call_;
};

}  // namespace kestrel::adapters
