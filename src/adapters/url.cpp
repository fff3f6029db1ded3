#include "adapters/url.hpp"

#include <cctype>

namespace kestrel::adapters {

core::Result<BaseUrl> parse_base_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return core::fail("base URL '{}': expected http://HOST[:PORT][/PATH] or https://…", url);
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return core::fail("base URL '{}': scheme must be http or https, not '{}'", url, scheme);
  }
  if (url.find_first_of("?#") != std::string_view::npos) {
    return core::fail("base URL '{}': must not contain a query or fragment", url);
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return core::fail("base URL '{}': missing host", url);
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string_view::npos) {
      return core::fail("base URL '{}': port '{}' is not a number", url, port);
    }
  }
  BaseUrl out;
  out.origin = std::string(url.substr(0, scheme_end + 3 + authority.size()));
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.path_prefix = std::string(path);
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xF]);
    }
  }
  return out;
}

std::string with_query(std::string_view path, const QueryParams& params) {
  std::string out(path);
  char sep = '?';
  for (const auto& [key, value] : params) {
    out.push_back(sep);
    out += url_encode(key);
    out.push_back('=');
    out += url_encode(value);
    sep = '&';
  }
  return out;
}

}  // namespace kestrel::adapters
