#pragma once
// A generic webhook: POST {url} with the alert as JSON
//   {"severity": "critical", "key": "…", "title": "…", "body": "…", "at": "…", "source": "kestrel"}
// and, when a token is configured, `Authorization: Bearer <token>`. Any 2xx is delivered;
// 408, 429 and 5xx are retried; other statuses are refusals.
#include <string>

#include "alerts/alert_channel.hpp"

namespace kestrel::alerts {

struct WebhookSettings {
  std::string url;    // http(s)://host[:port]/path
  std::string token;  // optional bearer token, from the environment or a file
};

class WebhookChannel final : public AlertChannel {
 public:
  explicit WebhookChannel(WebhookSettings settings);
  std::string name() const override { return "webhook"; }
  core::Status send(const Alert& alert) override;

 private:
  WebhookSettings settings_;
};

}  // namespace kestrel::alerts
