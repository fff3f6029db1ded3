#include "alerts/alert.hpp"

namespace kestrel::alerts {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Critical: return "critical";
  }
  return "?";
}

std::optional<Severity> severity_from(std::string_view name) {
  for (Severity s : {Severity::Info, Severity::Warning, Severity::Critical}) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace kestrel::alerts
