#pragma once
// Email over SMTP through libcurl: `smtp://host:587` with STARTTLS, or `smtps://host:465`
// (TLS from the first byte), with AUTH when a user name is given. With tls = Required (the
// default) a server that does not offer STARTTLS gets nothing — not the password, not the
// message; None is for a relay on this machine (and the tests' fake server).
#include <string>
#include <vector>

#include "alerts/alert_channel.hpp"
#include "alerts/email_message.hpp"

namespace kestrel::alerts {

struct SmtpSettings {
  std::string url;                 // smtp://host:port or smtps://host:port
  enum class Tls { Required, None } tls = Tls::Required;
  std::string from;                // the envelope and From: address
  std::vector<std::string> to;
  std::string username;            // empty: no AUTH
  std::string password;            // from the environment or a file, never from the config text
  std::string ca_file;             // a CA bundle to trust instead of the system's (empty: system)
  long timeout_seconds = 30;
};

class SmtpChannel final : public AlertChannel {
 public:
  explicit SmtpChannel(SmtpSettings settings);
  std::string name() const override { return "email"; }
  core::Status send(const Alert& alert) override;
  // Any email (the scheduled reports with their attachments), from and to the configured
  // addresses (its own from and to are replaced).
  core::Status send(Email email);

  // The alert as an email from and to the configured addresses.
  Email email(const Alert& alert) const;
  // The message as sent (headers and body, CRLF line ends), for the tests and for logs of
  // what would be sent.
  std::string message(const Alert& alert) const;

 private:
  SmtpSettings settings_;
};

}  // namespace kestrel::alerts
