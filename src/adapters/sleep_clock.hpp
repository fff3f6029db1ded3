#pragma once
// Pacing and backoff wait through this interface so tests can substitute a clock that only
// advances when asked to sleep: spacing is then measured exactly and no test waits for real.
#include <chrono>

namespace kestrel::adapters {

class SleepClock {
 public:
  using Duration = std::chrono::milliseconds;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~SleepClock() = default;
  virtual TimePoint now() = 0;
  virtual void sleep_for(Duration duration) = 0;
};

// The real thing: std::chrono::steady_clock and std::this_thread::sleep_for.
class SteadySleepClock final : public SleepClock {
 public:
  TimePoint now() override;
  void sleep_for(Duration duration) override;
};

}  // namespace kestrel::adapters
