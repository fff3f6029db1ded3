#pragma once
// The wall clock, for a node trading in real time. The only Clock that reads the system time;
// backtests and replays use core::SimClock.
#include <chrono>

#include "core/clock.hpp"
#include "core/iso_time.hpp"

namespace kestrel::live {

class LiveClock final : public core::Clock {
 public:
  core::UnixNanos now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// ISO 8601 UTC text of a time (core/iso_time.hpp), for the journal's wall-clock columns and logs.
using core::iso_time;
using core::parse_iso_time;

}  // namespace kestrel::live
