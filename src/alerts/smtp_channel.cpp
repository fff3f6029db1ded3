#include "alerts/smtp_channel.hpp"

#include <mutex>

#include <fmt/format.h>

#include "core/loadable_module.hpp"

namespace kestrel::alerts {

SmtpChannel::SmtpChannel(SmtpSettings settings) : settings_(std::move(settings)) {}

Email SmtpChannel::email(const Alert& alert) const {
  return Email{.from = settings_.from,
               .to = settings_.to,
               .subject = fmt::format("[Kestrel {}] {}", to_string(alert.severity), alert.title),
               .text = fmt::format("{}\n\n-- \nkestrel alert {} at {}", alert.body, alert.key, alert.at),
               .at = alert.at,
               .attachments = {}};
}

std::string SmtpChannel::message(const Alert& alert) const { return format_email(email(alert)); }

core::Status SmtpChannel::send(const Alert& alert) { return send(email(alert)); }

core::Status SmtpChannel::send(Email email) {
  email.from = settings_.from;
  email.to = settings_.to;
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
  const std::string text = format_email(email);
  std::string error;
  int kind = 0;
  if (send_mail(&settings_, &text, &error, &kind) == 0) return {};
  return std::unexpected(core::Error{error, static_cast<core::ErrorKind>(kind)});
}

}  // namespace kestrel::alerts
