#pragma once
// Something a person must be told about a trading node: the kill switch, a halt, a
// reconciliation mismatch, a rejected order, stale data, a node that restarted or stopped
// closing sessions. `key` identifies the condition (e.g. "drawdown_halt:<run>"), so a condition
// that flaps is sent once, not once per flap (alert_dispatcher.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kestrel::alerts {

enum class Severity : std::uint8_t { Info, Warning, Critical };
std::string_view to_string(Severity severity);
std::optional<Severity> severity_from(std::string_view name);

struct Alert {
  Severity severity = Severity::Warning;
  std::string key;
  std::string title;  // one line, e.g. "Kill switch engaged on paper-sample"
  std::string body;   // what happened and what to do
  std::string at;     // when it was noticed, ISO 8601 UTC
};

}  // namespace kestrel::alerts
