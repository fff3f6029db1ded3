#include "adapters/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

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

std::optional<unsigned> hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

// The byte that `count` hex digits at text[pos] stand for, when they do.
std::optional<unsigned> hex_at(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto digit = hex_digit(text[pos + i]);
    if (!digit) return std::nullopt;
    value = value * 16 + *digit;
  }
  return value;
}

// How many characters of `text` from `pos` spell `secret`, each of its characters written as
// itself or as it appears once encoded: %XX in either case (URLs), '+' for a space (forms),
// \uXXXX and backslash escapes (JSON). 0 when they do not.
std::size_t secret_length_at(std::string_view text, std::size_t pos, std::string_view secret) {
  std::size_t i = pos;
  for (const char c : secret) {
    const auto byte = static_cast<unsigned char>(c);
    if (i >= text.size()) return 0;
    if (text[i] == c) {
      i += 1;
    } else if (c == ' ' && text[i] == '+') {
      i += 1;
    } else if (text[i] == '%' && hex_at(text, i + 1, 2) == byte) {
      i += 3;
    } else if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == c) {
      i += 2;  // \" \\ \/
    } else if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'u' && hex_at(text, i + 2, 4) == byte) {
      i += 6;
    } else {
      return 0;
    }
  }
  return i - pos;
}

// Every occurrence of a known secret, in any of its encodings, becomes "***". Done before the
// parameter pass: that pass ends a value at '&' or a space, so a key containing one would keep
// its tail, and the literal key would no longer be there to find.
std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t longest = 0;
    for (const std::string& secret : secrets) {
      if (!secret.empty()) longest = std::max(longest, secret_length_at(text, i, secret));
    }
    if (longest > 0) {
      out.append(kRedacted);
      i += longest;
    } else {
      out.push_back(text[i]);
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string redact(std::string_view text, const std::vector<std::string>& secrets) {
  static constexpr std::array<std::string_view, 4> params = {"apikey=", "api_key=", "token=", "crumb="};
  const std::string scrubbed = redact_secrets(text, secrets);
  const std::string_view in = scrubbed;
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const bool at_param_start = i == 0 || !std::isalnum(static_cast<unsigned char>(in[i - 1]));
    const auto param = std::find_if(params.begin(), params.end(), [&](std::string_view p) {
      return at_param_start && starts_with_nocase(in, i, p);
    });
    if (param != params.end()) {
      out.append(in.substr(i, param->size()));
      i += param->size();
      while (i < in.size() && !ends_value(in[i])) ++i;
      out.append(kRedacted);
      continue;
    }
    out.push_back(in[i]);
    ++i;
  }
  return out;
}

}  // namespace kestrel::adapters
