#pragma once
// Wall-clock times as text: ISO 8601 UTC to the second ("2026-11-27T21:40:00Z"), as the
// journal, the model registry and the logs write them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace kestrel::core {

std::string iso_time(UnixNanos t);
// The time iso_time wrote; nullopt for any other text.
std::optional<UnixNanos> parse_iso_time(std::string_view text);
// Seconds since the Unix epoch of an ISO 8601 time to the second with its offset, as vendors
// and data sets write them: "2014-01-01T01:18:36+00:00", "…-05:00", "…Z" (a trailing ".123"
// fraction is dropped). nullopt for anything else, including a missing offset: a time
// without one is ambiguous.
std::optional<std::int64_t> parse_iso8601_seconds(std::string_view text);

}  // namespace kestrel::core
