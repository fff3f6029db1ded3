#pragma once
// A SleepClock that stands still until slept on: pacing and backoff are observed exactly and
// cost no wall time. now() may be read from the fake server's threads.
#include <atomic>
#include <mutex>
#include <vector>

#include "adapters/sleep_clock.hpp"

namespace kestrel::testing {

class FakeSleepClock final : public adapters::SleepClock {
 public:
  TimePoint now() override { return TimePoint(Duration(elapsed_ms_.load())); }
  void sleep_for(Duration d) override {
    std::lock_guard lock(mutex_);
    sleeps_.push_back(d);
    elapsed_ms_ += d.count();
  }
  std::int64_t elapsed_ms() const { return elapsed_ms_.load(); }
  std::vector<Duration> sleeps() {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }

 private:
  std::atomic<std::int64_t> elapsed_ms_{0};
  std::mutex mutex_;
  std::vector<Duration> sleeps_;
};

}  // namespace kestrel::testing
