#include "support/fake_twilio.hpp"

#include "support/base64.hpp"

#include <httplib.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace kestrel::testing {
namespace {

using nlohmann::json;


json twilio_error(int code, const std::string& message, int status) {
  return {{"code", code}, {"message", message}, {"more_info", fmt::format("https://www.twilio.com/docs/errors/{}", code)},
          {"status", status}};
}

}  // namespace

FakeTwilio::FakeTwilio(std::string account_sid, std::string auth_token)
    : sid_(std::move(account_sid)), token_(std::move(auth_token)), server_(std::make_unique<httplib::Server>()) {
  server_->Post(R"(/2010-04-01/Accounts/([^/]+)/Messages\.json)", [this](const httplib::Request& req,
                                                                        httplib::Response& res) {
    std::lock_guard lock(mutex_);
    std::string raw;
    for (const auto& [k, v] : req.headers) raw += k + ": " + v + "\n";
    raw_.push_back(raw + "\n" + req.body);
    auto reply = [&](int status, const json& body) {
      res.status = status;
      res.set_content(body.dump(), "application/json; charset=utf-8");
    };
    if (req.get_header_value("Authorization") != "Basic " + base64_encode(sid_ + ":" + token_)) {
      return reply(401, twilio_error(20003, "Authenticate", 401));
    }
    if (req.matches[1] != sid_) {
      return reply(404, twilio_error(20404, fmt::format("The requested resource /2010-04-01/Accounts/{}/Messages.json "
                                                        "was not found", std::string(req.matches[1])), 404));
    }
    if (busy_ > 0) {
      --busy_;
      res.set_header("Retry-After", "1");
      return reply(429, twilio_error(20429, "Too Many Requests", 429));
    }
    const std::string to = req.get_param_value("To");
    const std::string from = req.get_param_value("From");
    const std::string body = req.get_param_value("Body");
    if (to.empty() || to[0] != '+') {
      return reply(400, twilio_error(21211, fmt::format("Invalid 'To' Phone Number: {}", to), 400));
    }
    if (body.empty()) return reply(400, twilio_error(21602, "Message body is required.", 400));
    messages_.push_back({.to = to, .from = from, .body = body});
    const std::string message_sid = fmt::format("SM{:032x}", messages_.size());
    reply(201, {{"sid", message_sid}, {"account_sid", sid_}, {"to", to}, {"from", from}, {"body", body},
                {"status", "queued"}, {"num_segments", "1"}, {"direction", "outbound-api"},
                {"api_version", "2010-04-01"}, {"price", nullptr}, {"error_code", nullptr},
                {"error_message", nullptr},
                {"uri", fmt::format("/2010-04-01/Accounts/{}/Messages/{}.json", sid_, message_sid)}});
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

FakeTwilio::~FakeTwilio() {
  server_->stop();
  thread_.join();
}

std::vector<FakeTwilio::Sms> FakeTwilio::messages() {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<std::string> FakeTwilio::raw_requests() {
  std::lock_guard lock(mutex_);
  return raw_;
}

int FakeTwilio::requests() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(raw_.size());
}

}  // namespace kestrel::testing
