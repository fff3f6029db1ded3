#include <gtest/gtest.h>

#include <map>

#include "alerts/alert_config.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::alerts {
namespace {

using testing::TempDir;
using testing::write_file;

Environment env(std::map<std::string, std::string> values) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(values));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

TEST(AlertConfig, ReadsEveryChannelWithSecretsFromFilesOrTheEnvironment) {
  TempDir dir;
  write_file(dir / "smtp-password", "from-the-file\n");
  write_file(dir / "alerts.toml", R"([alerts]
repeat_after_minutes = 30
max_per_minute = 4
node_silent_minutes = 45
[alerts.email]
url = "smtps://smtp.example.com:465"
from = "kestrel@example.com"
to = ["ops@example.com"]
username = "kestrel@example.com"
password_file = "smtp-password"
[alerts.sms]
account_sid = "AC0123"
from = "+15005550006"
to = ["+15551230001"]
min_severity = "critical"
[alerts.webhook]
url = "https://hooks.example.com/kestrel"
min_severity = "info"
)");
  const auto c = read_alert_config(dir / "alerts.toml", env({{"TWILIO_AUTH_TOKEN", "token-from-env"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->policy.repeat_after, std::chrono::minutes(30));
  EXPECT_EQ(c->policy.max_per_minute, 4u);
  EXPECT_EQ(c->node_silent_minutes, 45);
  ASSERT_TRUE(c->email && c->sms && c->webhook);
  EXPECT_EQ(c->email->password, "from-the-file");
  EXPECT_EQ(c->email->tls, SmtpSettings::Tls::Required);
  EXPECT_EQ(c->email_min, Severity::Warning);
  EXPECT_EQ(c->sms->auth_token, "token-from-env");
  EXPECT_EQ(c->sms_min, Severity::Critical);
  EXPECT_EQ(c->webhook_min, Severity::Info);
  EXPECT_TRUE(c->webhook->token.empty());
  // The environment wins over the file.
  const auto from_env = read_alert_config(dir / "alerts.toml", env({{"TWILIO_AUTH_TOKEN", "t"},
                                                                    {"KESTREL_SMTP_PASSWORD", "env-password"}}));
  ASSERT_TRUE(from_env);
  EXPECT_EQ(from_env->email->password, "env-password");
}

TEST(AlertConfig, EveryProblemIsReportedWithItsPlaceAndNoSecretIsInTheMessage) {
  TempDir dir;
  write_file(dir / "alerts.toml", R"([alerts]
max_per_minut = 4
[alerts.email]
url = "http://smtp.example.com"
to = []
username = "u"
password = "hunter2"
[alerts.sms]
account_sid = "0123"
from = "+1500"
to = ["+1555"]
)");
  const auto c = read_alert_config(dir / "alerts.toml", env({}));
  ASSERT_FALSE(c);
  const std::string& m = c.error().message;
  EXPECT_EQ(c.error().kind, core::ErrorKind::Config);
  for (const char* expected : {"alerts.max_per_minut", "alerts.email.url", "alerts.email.from", "alerts.email.to",
                               "alerts.email.password", "KESTREL_SMTP_PASSWORD", "alerts.sms.account_sid",
                               "TWILIO_AUTH_TOKEN"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << expected << "\n" << m;
  }
  EXPECT_NE(m.find("alerts.toml:2:"), std::string::npos) << m;
  EXPECT_EQ(m.find("hunter2"), std::string::npos) << m;
}

TEST(AlertConfig, TheShippedExampleIsValid) {
  const auto c = read_alert_config(std::filesystem::path(KESTREL_SOURCE_DIR) / "configs/alerts-example.toml",
                                   env({{"KESTREL_SMTP_PASSWORD", "p"}, {"TWILIO_AUTH_TOKEN", "t"}}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->email && c->sms && c->webhook);
}

TEST(AlertConfig, ScheduledReportsAndTheBrokerLimitAreRead) {
  TempDir dir;
  write_file(dir / "alerts.toml", R"([alerts]
broker_down_minutes = 3
[alerts.webhook]
url = "http://127.0.0.1:9000/hook"
[reports]
out = "reports"
periods = ["daily", "monthly"]
pdf = false
)");
  const auto c = read_alert_config(dir / "alerts.toml", env({}));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->broker_down_minutes, 3);
  ASSERT_TRUE(c->reports);
  EXPECT_EQ(c->reports->out_dir, dir / "reports");  // relative to the config's folder
  EXPECT_EQ(c->reports->periods, (std::vector<std::string>{"daily", "monthly"}));
  EXPECT_FALSE(c->reports->pdf);
  EXPECT_FALSE(c->reports->email);

  write_file(dir / "bad.toml", R"([alerts]
[alerts.webhook]
url = "http://127.0.0.1:9000/hook"
[reports]
periods = ["daily", "yearly"]
email = true
)");
  const auto bad = read_alert_config(dir / "bad.toml", env({}));
  ASSERT_FALSE(bad);
  for (const char* expected : {"reports.out", "'yearly' is not daily, weekly or monthly", "reports.email",
                               "needs [alerts.email]"}) {
    EXPECT_NE(bad.error().message.find(expected), std::string::npos) << expected << "\n" << bad.error().message;
  }
}

TEST(AlertConfig, AConfigWithoutAChannelIsRefused) {
  TempDir dir;
  write_file(dir / "alerts.toml", "[alerts]\nmax_per_minute = 2\n");
  const auto c = read_alert_config(dir / "alerts.toml", env({}));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("names no channel"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace kestrel::alerts
