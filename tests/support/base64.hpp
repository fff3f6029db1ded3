#pragma once
// Base64 (RFC 4648) for the test fakes: SMTP AUTH PLAIN, HTTP basic auth, and the DevTools
// protocol's screenshots. Written apart from the production encoder on purpose, so that a fake
// does not agree with the code it checks by sharing its mistakes.
#include <string>
#include <string_view>

namespace kestrel::testing {

inline std::string base64_encode(std::string_view in) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (unsigned char c : in) {
    value = (value << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kDigits[(value >> bits) & 63];
    }
  }
  if (bits > 0) out += kDigits[(value << (6 - bits)) & 63];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// Characters outside the alphabet (padding, line breaks) are skipped.
inline std::string base64_decode(std::string_view text) {
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : text) {
    int digit;
    if (c >= 'A' && c <= 'Z') digit = c - 'A';
    else if (c >= 'a' && c <= 'z') digit = c - 'a' + 26;
    else if (c >= '0' && c <= '9') digit = c - '0' + 52;
    else if (c == '+') digit = 62;
    else if (c == '/') digit = 63;
    else continue;
    value = (value << 6) | static_cast<unsigned>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace kestrel::testing
