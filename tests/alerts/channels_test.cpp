// Each alert channel against a fake of its service on 127.0.0.1, asserting on the bytes the
// fake received.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "alerts/smtp_channel.hpp"
#include "alerts/twilio_channel.hpp"
#include "alerts/webhook_channel.hpp"
#include "support/base64.hpp"
#include "support/fake_smtp.hpp"
#include "support/fake_twilio.hpp"

#include <httplib.h>

namespace kestrel::alerts {
namespace {

const std::string kPassword = "smtp-pa55-word";
const std::string kSid = "AC0123456789abcdef0123456789abcdef";
const std::string kToken = "twilio-auth-token-value";

Alert kill_alert() {
  return {.severity = Severity::Critical, .key = "control:kill:r1", .title = "Kill switch engaged — paper-sample",
          .body = "The node cancels every open order.\n.a line that starts with a dot\nRun r1.",
          .at = "2026-11-27T21:30:00Z"};
}

TEST(SmtpAlerts, TheMessageArrivesWithItsHeadersAfterAuthentication) {
  testing::FakeSmtpServer server("kestrel@example.com", kPassword);
  SmtpChannel channel({.url = server.url(), .tls = SmtpSettings::Tls::None, .from = "kestrel@example.com",
                       .to = {"ops@example.com", "me@example.com"}, .username = "kestrel@example.com",
                       .password = kPassword, .ca_file = {}, .timeout_seconds = 10});
  const auto sent = channel.send(kill_alert());
  ASSERT_TRUE(sent) << sent.error().message;
  const auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(mails[0].authenticated);
  EXPECT_EQ(mails[0].from, "<kestrel@example.com>");
  EXPECT_EQ(mails[0].to, (std::vector<std::string>{"<ops@example.com>", "<me@example.com>"}));
  const std::string& data = mails[0].data;
  EXPECT_NE(data.find("Subject: [Kestrel critical] Kill switch engaged — paper-sample\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("Date: Fri, 27 Nov 2026 21:30:00 +0000\r\n"), std::string::npos) << data;
  EXPECT_NE(data.find("To: ops@example.com, me@example.com\r\n"), std::string::npos);
  EXPECT_NE(data.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  // The body's lines end in CRLF and a leading dot survived the transfer (dot-stuffed on the wire).
  EXPECT_NE(data.find("open order.\r\n.a line that starts with a dot\r\n"), std::string::npos) << data;
  EXPECT_NE(server.transcript().find("\r\n..a line that starts"), std::string::npos);
  // The password went over the wire only inside AUTH, never in the message.
  EXPECT_EQ(data.find(kPassword), std::string::npos);
}

// The text between `open` and the next `close` (e.g. a MIME parameter's value), or "".
std::string between(const std::string& text, const std::string& open, const std::string& close, std::size_t from = 0) {
  const auto a = text.find(open, from);
  if (a == std::string::npos) return {};
  const auto b = text.find(close, a + open.size());
  return b == std::string::npos ? std::string() : text.substr(a + open.size(), b - a - open.size());
}

TEST(SmtpAlerts, AnEmailWithAttachmentsIsMultipartAndEachFileComesBackByteForByte) {
  testing::FakeSmtpServer server("kestrel@example.com", kPassword);
  SmtpChannel channel({.url = server.url(), .tls = SmtpSettings::Tls::None, .from = "kestrel@example.com",
                       .to = {"ops@example.com"}, .username = "kestrel@example.com", .password = kPassword,
                       .ca_file = {}, .timeout_seconds = 10});
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 4000; ++i) pdf += static_cast<char>((i * 131 + 7) % 256);  // binary, NULs and dots included
  const std::string html = "<html><body>\n.starts with a dot\r\n--=_kestrel_ not a boundary</body></html>";
  const auto sent = channel.send(Email{.from = "someone-else@example.com", .to = {"elsewhere@example.com"},
                                       .subject = "[Kestrel] daily report\r\nBcc: evil@example.com",
                                       .text = "Attached.\n.a dot line", .at = "2026-11-27T22:00:00Z",
                                       .attachments = {{.filename = "daily-2019-12-31.pdf", .content_type = "application/pdf", .bytes = pdf},
                                                       {.filename = "daily-2019-12-31.html", .content_type = "text/html; charset=utf-8", .bytes = html}}});
  ASSERT_TRUE(sent) << sent.error().message;
  const auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, std::vector<std::string>{"<ops@example.com>"});  // the configured recipients only
  const std::string& data = mails[0].data;
  const std::string headers = data.substr(0, data.find("\r\n\r\n"));
  EXPECT_NE(headers.find("From: kestrel@example.com\r\n"), std::string::npos) << headers;
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos) << "a subject added a header:\n" << headers;
  const std::string boundary = between(headers, "multipart/mixed; boundary=\"", "\"");
  ASSERT_FALSE(boundary.empty()) << headers;
  EXPECT_EQ(data.find("--" + boundary + "--\r\n"), data.size() - boundary.size() - 6) << "the closing boundary ends it";
  // Parts: text, then each file.
  std::vector<std::string> parts;
  for (std::size_t at = data.find("--" + boundary + "\r\n"); at != std::string::npos;) {
    const std::size_t start = at + boundary.size() + 4;
    const std::size_t next = data.find("\r\n--" + boundary, start);
    ASSERT_NE(next, std::string::npos);
    parts.push_back(data.substr(start, next - start));
    at = data.compare(next + 2, boundary.size() + 4, "--" + boundary + "\r\n") == 0 ? next + 2 : std::string::npos;
  }
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_NE(parts[0].find("text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(parts[0].find("Attached.\r\n.a dot line"), std::string::npos) << parts[0];
  const std::vector<std::pair<std::string, const std::string*>> files{{"daily-2019-12-31.pdf", &pdf},
                                                                      {"daily-2019-12-31.html", &html}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& part = parts[i + 1];
    EXPECT_NE(part.find("Content-Disposition: attachment; filename=\"" + files[i].first + "\"\r\n"), std::string::npos) << part;
    EXPECT_NE(part.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
    const std::string body = part.substr(part.find("\r\n\r\n") + 4);
    for (std::size_t line = 0, end; line < body.size(); line = end + 2) {  // RFC 2045: at most 76 characters a line
      end = body.find("\r\n", line);
      if (end == std::string::npos) end = body.size();
      EXPECT_LE(end - line, 76u);
    }
    EXPECT_EQ(testing::base64_decode(body), *files[i].second) << files[i].first;
  }
}

TEST(SmtpAlerts, RequiredTlsSendsNothingToAServerWithoutStartTls) {
  testing::FakeSmtpServer server("kestrel@example.com", kPassword);
  SmtpChannel channel({.url = server.url(), .tls = SmtpSettings::Tls::Required, .from = "kestrel@example.com",
                       .to = {"ops@example.com"}, .username = "kestrel@example.com", .password = kPassword,
                       .ca_file = {}, .timeout_seconds = 10});
  const auto sent = channel.send(kill_alert());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().kind, core::ErrorKind::Rejected) << sent.error().message;
  EXPECT_NE(sent.error().message.find(server.url()), std::string::npos);
  EXPECT_EQ(sent.error().message.find(kPassword), std::string::npos);
  EXPECT_TRUE(server.mails().empty());
  const std::string transcript = server.transcript();
  EXPECT_EQ(transcript.find("AUTH"), std::string::npos) << transcript;
  EXPECT_EQ(transcript.find("MAIL FROM"), std::string::npos) << transcript;
}

TEST(SmtpAlerts, RefusedCredentialsAreARefusalAndABusyServerIsWorthRetrying) {
  testing::FakeSmtpServer server("kestrel@example.com", kPassword);
  SmtpSettings settings{.url = server.url(), .tls = SmtpSettings::Tls::None, .from = "kestrel@example.com",
                        .to = {"ops@example.com"}, .username = "kestrel@example.com", .password = "wrong-password",
                        .ca_file = {}, .timeout_seconds = 10};
  const auto refused = SmtpChannel(settings).send(kill_alert());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::Rejected) << refused.error().message;
  EXPECT_EQ(refused.error().message.find("wrong-password"), std::string::npos) << refused.error().message;

  settings.password = kPassword;
  server.refuse_next_connections(1);  // "421 4.7.0 … Service not available"
  const auto busy = SmtpChannel(settings).send(kill_alert());
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().kind, core::ErrorKind::Unavailable) << busy.error().message;
  EXPECT_TRUE(SmtpChannel(settings).send(kill_alert()));
  EXPECT_EQ(server.mails().size(), 1u);

  settings.url = "smtp://127.0.0.1:1";  // nothing listens there
  const auto down = SmtpChannel(settings).send(kill_alert());
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().kind, core::ErrorKind::Unavailable) << down.error().message;
}

TEST(SmsAlerts, OneMessagePerRecipientWithBasicAuthAndTheFormFields) {
  testing::FakeTwilio twilio(kSid, kToken);
  TwilioChannel channel({.url = twilio.url(), .account_sid = kSid, .auth_token = kToken, .from = "+15005550006",
                         .to = {"+15551230001", "+15551230002"}});
  const auto sent = channel.send(kill_alert());
  ASSERT_TRUE(sent) << sent.error().message;
  const auto sms = twilio.messages();
  ASSERT_EQ(sms.size(), 2u);
  EXPECT_EQ(sms[0].to, "+15551230001");
  EXPECT_EQ(sms[1].to, "+15551230002");
  EXPECT_EQ(sms[0].from, "+15005550006");
  EXPECT_EQ(sms[0].body.rfind("Kestrel critical: Kill switch engaged — paper-sample\n", 0), 0u) << sms[0].body;
  const std::string raw = twilio.raw_requests()[0];
  EXPECT_NE(raw.find("Content-Type: application/x-www-form-urlencoded"), std::string::npos) << raw;
  EXPECT_NE(raw.find("To=%2B15551230001&From=%2B15005550006&Body=Kestrel%20critical"), std::string::npos) << raw;
}

TEST(SmsAlerts, TwiliosErrorsAreReportedByCodeAndOnlyThrottlingIsRetried) {
  testing::FakeTwilio twilio(kSid, kToken);
  TwilioSettings settings{.url = twilio.url(), .account_sid = kSid, .auth_token = "not-the-token",
                          .from = "+15005550006", .to = {"+15551230001"}};
  const auto refused = TwilioChannel(settings).send(kill_alert());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, core::ErrorKind::Rejected);
  EXPECT_NE(refused.error().message.find("Twilio answered 401: Authenticate (Twilio error 20003)"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(refused.error().message.find("not-the-token"), std::string::npos);

  settings.auth_token = kToken;
  settings.to = {"5551230001"};
  const auto bad_number = TwilioChannel(settings).send(kill_alert());
  ASSERT_FALSE(bad_number);
  EXPECT_NE(bad_number.error().message.find("21211"), std::string::npos) << bad_number.error().message;

  settings.to = {"+15551230001"};
  twilio.busy_for_next(1);
  const auto busy = TwilioChannel(settings).send(kill_alert());
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().kind, core::ErrorKind::Throttled) << busy.error().message;
  EXPECT_TRUE(TwilioChannel(settings).send(kill_alert()));
}

TEST(SmsAlerts, ALongAlertIsCutToTwoSegments) {
  Alert a = kill_alert();
  a.body = std::string(1000, 'x');
  const std::string text = TwilioChannel::text(a);
  EXPECT_EQ(text.size(), 320u);
  EXPECT_TRUE(text.ends_with("..."));
}

TEST(WebhookAlerts, PostsTheAlertAsJsonWithTheBearerToken) {
  httplib::Server server;
  std::string body, authorization;
  int status = 200;
  server.Post("/hooks/kestrel", [&](const httplib::Request& req, httplib::Response& res) {
    body = req.body;
    authorization = req.get_header_value("Authorization");
    res.status = status;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread([&] { server.listen_after_bind(); });
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/kestrel";
  WebhookChannel channel({.url = url, .token = "hook-token"});
  ASSERT_TRUE(channel.send(kill_alert()));
  const auto json = nlohmann::json::parse(body);
  EXPECT_EQ(json["severity"], "critical");
  EXPECT_EQ(json["key"], "control:kill:r1");
  EXPECT_EQ(json["title"], "Kill switch engaged — paper-sample");
  EXPECT_EQ(json["source"], "kestrel");
  EXPECT_EQ(authorization, "Bearer hook-token");
  status = 503;
  const auto failed = channel.send(kill_alert());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, core::ErrorKind::Throttled);
  status = 404;
  EXPECT_EQ(channel.send(kill_alert()).error().kind, core::ErrorKind::Rejected);
  server.stop();
  thread.join();
}

}  // namespace
}  // namespace kestrel::alerts
