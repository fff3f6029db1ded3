#include "adapters/sleep_clock.hpp"

#include <thread>

namespace kestrel::adapters {

SleepClock::TimePoint SteadySleepClock::now() { return std::chrono::steady_clock::now(); }

void SteadySleepClock::sleep_for(Duration duration) {
  if (duration > Duration::zero()) std::this_thread::sleep_for(duration);
}

}  // namespace kestrel::adapters
