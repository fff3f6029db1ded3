#include "alerts/twilio_channel.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/http_client.hpp"
#include "adapters/url.hpp"
#include "core/base64.hpp"

namespace kestrel::alerts {

TwilioChannel::TwilioChannel(TwilioSettings settings) : settings_(std::move(settings)) {}

std::string TwilioChannel::text(const Alert& alert) {
  std::string text = fmt::format("Kestrel {}: {}", to_string(alert.severity), alert.title);
  if (!alert.body.empty()) text += "\n" + alert.body;
  constexpr std::size_t kMax = 320;
  if (text.size() > kMax) {
    std::size_t cut = kMax - 3;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
    text = text.substr(0, cut) + "...";
  }
  return text;
}

core::Status TwilioChannel::send(const Alert& alert) {
  auto base = adapters::parse_base_url(settings_.url);
  if (!base) return core::fail_as(core::ErrorKind::Config, "sms: {}", base.error().message);
  adapters::HttpClient client(*base, adapters::HttpTimeouts{.connect = std::chrono::seconds(10),
                                                            .read = std::chrono::seconds(30),
                                                            .total = std::chrono::seconds(60)});
  const std::string path = "/2010-04-01/Accounts/" + adapters::url_encode(settings_.account_sid) + "/Messages.json";
  const adapters::HttpHeaders headers = {
      {"Authorization", "Basic " + core::base64(settings_.account_sid + ":" + settings_.auth_token)},
      {"Content-Type", "application/x-www-form-urlencoded"}};
  const std::string body_text = text(alert);
  for (const auto& to : settings_.to) {
    const std::string form = "To=" + adapters::url_encode(to) + "&From=" + adapters::url_encode(settings_.from) +
                             "&Body=" + adapters::url_encode(body_text);
    auto reply = client.request("POST", path, headers, form);
    if (!reply) return core::fail_as(reply.error().kind, "sms to {}: {}", to, reply.error().message);
    if (reply->status == 201 || reply->status == 200) continue;
    // Twilio's error body: {"code": 20003, "message": "Authenticate", "more_info": "…", "status": 401}.
    const auto error = nlohmann::json::parse(reply->body, nullptr, false);
    const std::string detail =
        error.is_object() ? fmt::format("{} (Twilio error {})", error.value("message", std::string("?")),
                                        error.contains("code") ? error["code"].dump() : "?")
                          : fmt::format("HTTP {}", reply->status);
    const auto kind = reply->status == 429 || reply->status >= 500 ? core::ErrorKind::Throttled : core::ErrorKind::Rejected;
    return core::fail_as(kind, "sms to {}: Twilio answered {}: {}", to, reply->status, detail);
  }
  return {};
}

}  // namespace kestrel::alerts
