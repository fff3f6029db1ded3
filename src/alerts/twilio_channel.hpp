#pragma once
// SMS through Twilio's Programmable Messaging REST API:
//   POST {url}/2010-04-01/Accounts/{AccountSid}/Messages.json
// with HTTP basic auth (Account SID : Auth Token) and the form fields To, From, Body; one
// request per recipient. Twilio answers 201 with the message resource ({"sid": "SM…",
// "status": "queued", …}) or an error {"code": 20003, "message": "Authenticate", …}; 429
// (code 20429) and 5xx are worth retrying, other errors are not. A message longer than one
// SMS is cut to 320 characters (two segments) with an ellipsis.
#include <string>
#include <vector>

#include "alerts/alert_channel.hpp"

namespace kestrel::alerts {

struct TwilioSettings {
  std::string url = "https://api.twilio.com";
  std::string account_sid;  // AC…
  std::string auth_token;   // from the environment or a file
  std::string from;         // a Twilio number, E.164 (+15005550006)
  std::vector<std::string> to;
};

class TwilioChannel final : public AlertChannel {
 public:
  explicit TwilioChannel(TwilioSettings settings);
  std::string name() const override { return "sms"; }
  core::Status send(const Alert& alert) override;
  // The text sent: severity, title, and as much of the body as fits.
  static std::string text(const Alert& alert);

 private:
  TwilioSettings settings_;
};

}  // namespace kestrel::alerts
