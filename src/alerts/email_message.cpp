#include "alerts/email_message.hpp"

#include <ctime>
#include <span>

#include <fmt/format.h>

#include "core/base64.hpp"
#include "core/checksum.hpp"

namespace kestrel::alerts {
namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

// "2026-11-27T21:30:00Z" as an RFC 5322 Date header value; empty when it does not parse.
std::string rfc5322_date(const std::string& iso) {
  std::tm tm{};
  const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return {};
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

// Bare LF to CRLF, as SMTP requires (libcurl escapes a leading dot itself).
std::string crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (char c : text) {
    if (c == '\n') out += "\r\n";
    else if (c != '\r') out += c;
  }
  return out;
}

// A file name fit for a quoted MIME parameter.
std::string quoted_name(const std::string& name) {
  std::string out;
  for (char c : one_line(name)) {
    if (c != '"' && c != '\\') out += c;
  }
  return out;
}

}  // namespace

std::string format_email(const Email& email) {
  std::string to;
  for (const auto& address : email.to) to += (to.empty() ? "" : ", ") + address;
  const std::string date = rfc5322_date(email.at);
  std::string out = fmt::format("{}From: {}\r\nTo: {}\r\nSubject: {}\r\nMIME-Version: 1.0\r\n",
                                date.empty() ? "" : "Date: " + date + "\r\n", one_line(email.from), one_line(to),
                                one_line(email.subject));
  const std::string text_part = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
                                crlf(email.text) + "\r\n";
  if (email.attachments.empty()) return out + text_part;

  // A boundary that cannot occur in base64 text, nor (by its hash) in the body.
  const std::string seed = email.subject + email.text + email.at;
  const std::string boundary =
      fmt::format("=_kestrel_{:016x}", core::xxh64(std::as_bytes(std::span(seed.data(), seed.size()))));
  out += fmt::format("Content-Type: multipart/mixed; boundary=\"{}\"\r\n\r\nThis is a MIME message.\r\n", boundary);
  out += "--" + boundary + "\r\n" + text_part;
  for (const auto& a : email.attachments) {
    const std::string name = quoted_name(a.filename);
    out += fmt::format("--{}\r\nContent-Type: {}; name=\"{}\"\r\nContent-Transfer-Encoding: base64\r\n"
                       "Content-Disposition: attachment; filename=\"{}\"\r\n\r\n",
                       boundary, one_line(a.content_type), name, name);
    const std::string encoded = core::base64(a.bytes);
    for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  }
  return out + "--" + boundary + "--\r\n";
}

}  // namespace kestrel::alerts
