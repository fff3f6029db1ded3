#pragma once
// API keys and session tokens travel in query strings (Alpha Vantage's apikey=…, Yahoo's
// crumb=…), so any URL or echoed request that reaches a log line or an error message is
// scrubbed first.
#include <string>
#include <string_view>
#include <vector>

namespace kestrel::adapters {

inline constexpr std::string_view kRedacted = "***";

// Replaces every occurrence of a known secret with "***" — as it is, URL-encoded (%XX in either
// case, '+' for a space) or JSON-escaped, so a key containing '&' or a space goes whole — and
// then the value of every apikey=/api_key=/token=/crumb= parameter (case-insensitive), up to the
// next '&', quote, bracket or space.
std::string redact(std::string_view text, const std::vector<std::string>& secrets = {});

}  // namespace kestrel::adapters
