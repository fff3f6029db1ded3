#include "alerts/webhook_channel.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/http_client.hpp"
#include "adapters/url.hpp"

namespace kestrel::alerts {

WebhookChannel::WebhookChannel(WebhookSettings settings) : settings_(std::move(settings)) {}

core::Status WebhookChannel::send(const Alert& alert) {
  // The URL's path is the base URL's prefix: the request adds nothing to it.
  auto base = adapters::parse_base_url(settings_.url);
  if (!base) return core::fail_as(core::ErrorKind::Config, "webhook: {}", base.error().message);
  const std::string& origin = base->origin;
  const std::string path = base->path_prefix.empty() ? "/" : "";
  adapters::HttpClient client(*base, adapters::HttpTimeouts{.connect = std::chrono::seconds(10),
                                                            .read = std::chrono::seconds(30),
                                                            .total = std::chrono::seconds(60)});
  adapters::HttpHeaders headers = {{"Content-Type", "application/json"}};
  if (!settings_.token.empty()) headers.emplace_back("Authorization", "Bearer " + settings_.token);
  const nlohmann::json body = {{"source", "kestrel"},    {"severity", to_string(alert.severity)},
                               {"key", alert.key},       {"title", alert.title},
                               {"body", alert.body},     {"at", alert.at}};
  auto reply = client.request("POST", path, headers, body.dump());
  if (!reply) return core::fail_as(reply.error().kind, "webhook {}: {}", origin, reply.error().message);
  if (reply->status >= 200 && reply->status < 300) return {};
  const auto kind = reply->status == 408 || reply->status == 429 || reply->status >= 500 ? core::ErrorKind::Throttled
                                                                                         : core::ErrorKind::Rejected;
  return core::fail_as(kind, "webhook {}: answered HTTP {}", origin, reply->status);
}

}  // namespace kestrel::alerts
