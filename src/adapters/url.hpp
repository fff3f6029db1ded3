#pragma once
// Vendor endpoints are configured as a base URL ("https://www.alphavantage.co", or
// "http://127.0.0.1:PORT" against a test server); requests add a path and a query string.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace kestrel::adapters {

struct BaseUrl {
  std::string origin;       // scheme://host[:port], what an HTTP client connects to
  std::string path_prefix;  // "" or "/prefix" without a trailing slash, put before every path
};

// Accepts http:// and https:// URLs with an optional port and path; no query or fragment.
core::Result<BaseUrl> parse_base_url(std::string_view url);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything except RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

// "path?k1=v1&k2=v2" with keys and values encoded, in the given order.
std::string with_query(std::string_view path, const QueryParams& params);

}  // namespace kestrel::adapters
