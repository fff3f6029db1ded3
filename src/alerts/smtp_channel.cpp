#include "alerts/smtp_channel.hpp"

#include <ctime>
#include <mutex>

#include <fmt/format.h>

#include "core/loadable_module.hpp"

namespace kestrel::alerts {
namespace {

// Header values may not carry line breaks (a title could otherwise add headers).
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return text;
}

// "2026-11-27T21:30:00Z" as an RFC 5322 Date header value; empty when it does not parse (the
// relay adds a Date then).
std::string rfc5322_date(const std::string& iso) {
  std::tm tm{};
  const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return {};
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

}  // namespace

SmtpChannel::SmtpChannel(SmtpSettings settings) : settings_(std::move(settings)) {}

std::string SmtpChannel::message(const Alert& alert) const {
  std::string to;
  for (const auto& address : settings_.to) to += (to.empty() ? "" : ", ") + address;
  std::string body;
  // Bare LF to CRLF, as SMTP requires; libcurl escapes a leading dot itself.
  for (char c : alert.body) {
    if (c == '\n') body += "\r\n";
    else if (c != '\r') body += c;
  }
  const std::string date = rfc5322_date(alert.at);
  return fmt::format("{}From: {}\r\nTo: {}\r\nSubject: [Kestrel {}] {}\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}\r\n\r\n"
                     "-- \r\nkestrel alert {} at {}\r\n",
                     date.empty() ? "" : "Date: " + date + "\r\n", one_line(settings_.from), one_line(to), to_string(alert.severity),
                     one_line(alert.title), body, one_line(alert.key), one_line(alert.at));
}

core::Status SmtpChannel::send(const Alert& alert) {
  // libcurl (with its ~20 shared libraries) lives in kestrel-smtp.so, loaded on the first email.
  using AbiFn = int (*)();
  using SendFn = int (*)(const SmtpSettings*, const std::string*, std::string*, int*);
  static std::once_flag once;
  static SendFn send_mail = nullptr;
  static std::string why;
  std::call_once(once, [] {
    const core::LoadedModule m = core::load_module("kestrel-smtp.so", "KESTREL_SMTP_LIB", KESTREL_SMTP_BUILD_PATH);
    auto abi = reinterpret_cast<AbiFn>(m.symbol("kestrel_smtp_abi_version"));
    send_mail = reinterpret_cast<SendFn>(m.symbol("kestrel_smtp_send"));
    if (m.handle == nullptr) {
      why = m.error;
    } else if (abi == nullptr || send_mail == nullptr || abi() != 1) {
      send_mail = nullptr;
      why = "kestrel-smtp.so: not an email module of this kestrel (rebuild it)";
    }
  });
  if (send_mail == nullptr) return core::fail_as(core::ErrorKind::Config, "email needs the SMTP module: {}", why);
  const std::string text = message(alert);
  std::string error;
  int kind = 0;
  if (send_mail(&settings_, &text, &error, &kind) == 0) return {};
  return std::unexpected(core::Error{error, static_cast<core::ErrorKind>(kind)});
}

}  // namespace kestrel::alerts
