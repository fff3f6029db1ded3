#pragma once
// Where alerts go: email (smtp_channel), SMS (twilio_channel), a webhook (webhook_channel).
// send() delivers one alert or says why not; it may block for the network's timeouts, so only
// the dispatcher's worker calls it, never the trading path. Errors never contain a secret.
#include <string>

#include "alerts/alert.hpp"
#include "core/error.hpp"

namespace kestrel::alerts {

class AlertChannel {
 public:
  virtual ~AlertChannel() = default;
  virtual std::string name() const = 0;  // "email", "sms", "webhook"
  // Unavailable and Throttled errors are worth retrying; others (refused credentials, a bad
  // recipient) are not.
  virtual core::Status send(const Alert& alert) = 0;
};

}  // namespace kestrel::alerts
