#pragma once
// Wall-clock times as text: ISO 8601 UTC to the second ("2026-11-27T21:40:00Z"), as the
// journal, the model registry and the logs write them.
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace kestrel::core {

std::string iso_time(UnixNanos t);
// The time iso_time wrote; nullopt for any other text.
std::optional<UnixNanos> parse_iso_time(std::string_view text);

}  // namespace kestrel::core
