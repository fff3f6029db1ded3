#include "adapters/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kestrel::adapters {
namespace {

bool starts_with_nocase(std::string_view text, std::size_t pos, std::string_view word) {
  if (text.size() - pos < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != word[i]) return false;
  }
  return true;
}

// Characters that end a parameter value in URLs, JSON strings and prose.
bool ends_value(char c) {
  return c == '&' || c == '"' || c == '\'' || c == '#' || c == ',' || c == ';' || c == '<' ||
         c == '>' || c == '(' || c == ')' || c == '[' || c == ']' ||
         std::isspace(static_cast<unsigned char>(c));
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  static constexpr std::array<std::string_view, 3> params = {"apikey=", "api_key=", "token="};
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const bool at_param_start = i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]));
    const auto param = std::find_if(params.begin(), params.end(), [&](std::string_view p) {
      return at_param_start && starts_with_nocase(text, i, p);
    });
    if (param != params.end()) {
      out.append(text.substr(i, param->size()));
      i += param->size();
      while (i < text.size() && !ends_value(text[i])) ++i;
      out.append(kRedacted);
      continue;
    }
    out.push_back(text[i]);
    ++i;
  }
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos)) {
      out.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return out;
}

}  // namespace kestrel::adapters
