#include "adapters/rate_limiter.hpp"

#include <cmath>

namespace kestrel::adapters {

RateLimiter::RateLimiter(double calls_per_minute, SleepClock& clock)
    : interval_(calls_per_minute > 0
                    ? SleepClock::Duration(static_cast<std::int64_t>(std::ceil(60'000.0 / calls_per_minute)))
                    : SleepClock::Duration::zero()),
      clock_(clock) {}

void RateLimiter::acquire() {
  if (last_call_ && interval_ > SleepClock::Duration::zero()) {
    const auto next_allowed = *last_call_ + interval_;
    const auto now = clock_.now();
    if (now < next_allowed) {
      clock_.sleep_for(std::chrono::ceil<SleepClock::Duration>(next_allowed - now));
    }
  }
  last_call_ = clock_.now();
}

}  // namespace kestrel::adapters
