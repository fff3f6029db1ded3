#pragma once
// The wall clock, for a node trading in real time. The only Clock that reads the system time;
// backtests and replays use core::SimClock.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace kestrel::live {

class LiveClock final : public core::Clock {
 public:
  core::UnixNanos now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// ISO 8601 UTC text of a time, for the journal's wall-clock columns and logs.
std::string iso_time(core::UnixNanos t);
// The time iso_time wrote ("2026-11-27T21:40:00Z"); nullopt for any other text.
std::optional<core::UnixNanos> parse_iso_time(std::string_view text);

}  // namespace kestrel::live
