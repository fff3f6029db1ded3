#include "alerts/alert_config.hpp"

#include <toml++/toml.h>

#include "core/toml_reader.hpp"
#include "store/text_file.hpp"

namespace kestrel::alerts {
namespace {

// A secret: the environment variable when set, else the first line of `file` (trimmed).
std::string secret(core::TomlReader& r, const toml::table& t, std::string_view path, std::string_view file_key,
                   const char* env_name, const Environment& getenv, bool required) {
  if (const char* v = getenv(env_name); v != nullptr && *v != '\0') return v;
  std::filesystem::path file;
  r.path_value(t, file_key, path, file);
  if (file.empty()) {
    if (required) {
      r.error(&t, core::join(path, file_key), fmt::format("no secret: set {} or name a file with {}", env_name, file_key));
    }
    return {};
  }
  auto text = store::read_text_file(file);
  if (!text) {
    r.error(t.get(file_key), core::join(path, file_key), text.error().message);
    return {};
  }
  std::string value = text->substr(0, text->find('\n'));
  while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
  if (value.empty()) r.error(t.get(file_key), core::join(path, file_key), file.string() + " is empty");
  return value;
}

Severity severity(core::TomlReader& r, const toml::table& t, std::string_view path, Severity fallback) {
  const int i = r.choice(t, "min_severity", path, {"info", "warning", "critical"});
  return i < 0 ? fallback : static_cast<Severity>(i);
}

}  // namespace

core::Result<AlertConfig> read_alert_config(const std::filesystem::path& path, const Environment& getenv) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  toml::table root;
  try {
    root = toml::parse(*text, path.string());
  } catch (const toml::parse_error& e) {
    return core::fail_as(core::ErrorKind::Config, "{}:{}:{}: {}", path.string(), e.source().begin.line,
                         e.source().begin.column, e.description());
  }
  AlertConfig c;
  core::TomlReader r{path.string(), path.parent_path()};
  r.only(root, "", {"alerts", "reports"});
  const toml::table* a = r.table(root, "alerts", "");
  if (a == nullptr) return core::fail_as(core::ErrorKind::Config, "{}: no [alerts] table", path.string());
  r.only(*a, "alerts", {"repeat_after_minutes", "max_per_minute", "attempts", "first_retry_seconds",
                        "node_silent_minutes", "broker_down_minutes", "email", "sms", "webhook"});
  double repeat_minutes = 60, first_retry = 5;
  r.number(*a, "repeat_after_minutes", "alerts", repeat_minutes, 0, 7 * 24 * 60);
  r.count(*a, "max_per_minute", "alerts", c.policy.max_per_minute, 1);
  r.count(*a, "attempts", "alerts", c.policy.attempts, 1);
  r.number(*a, "first_retry_seconds", "alerts", first_retry, 0.001, 3600);
  r.number(*a, "node_silent_minutes", "alerts", c.node_silent_minutes, 1, 7 * 24 * 60);
  r.number(*a, "broker_down_minutes", "alerts", c.broker_down_minutes, 0, 7 * 24 * 60);
  c.policy.repeat_after = std::chrono::milliseconds(static_cast<std::int64_t>(repeat_minutes * 60'000));
  c.policy.first_retry = std::chrono::milliseconds(static_cast<std::int64_t>(first_retry * 1000));

  if (const toml::table* t = r.table(*a, "email", "alerts")) {
    const std::string p = "alerts.email";
    r.only(*t, p, {"url", "tls", "from", "to", "username", "password_file", "ca_file", "min_severity"});
    SmtpSettings s;
    r.text(*t, "url", p, s.url);
    if (!s.url.starts_with("smtp://") && !s.url.starts_with("smtps://")) {
      r.error(t->get("url"), p + ".url", "must be smtp://host:port (STARTTLS) or smtps://host:port");
    }
    if (const int tls = r.choice(*t, "tls", p, {"required", "none"}); tls >= 0) {
      s.tls = tls == 0 ? SmtpSettings::Tls::Required : SmtpSettings::Tls::None;
    }
    r.text(*t, "from", p, s.from);
    r.strings(*t, "to", p, s.to);
    r.text(*t, "username", p, s.username);
    std::filesystem::path ca;
    r.path_value(*t, "ca_file", p, ca);
    s.ca_file = ca.string();
    if (s.from.empty()) r.error(t, p + ".from", "is required");
    if (s.to.empty()) r.error(t, p + ".to", "needs at least one address");
    s.password = secret(r, *t, p, "password_file", "KESTREL_SMTP_PASSWORD", getenv, !s.username.empty());
    c.email_min = severity(r, *t, p, Severity::Warning);
    c.email = std::move(s);
  }
  if (const toml::table* t = r.table(*a, "sms", "alerts")) {
    const std::string p = "alerts.sms";
    r.only(*t, p, {"url", "account_sid", "auth_token_file", "from", "to", "min_severity"});
    TwilioSettings s;
    r.text(*t, "url", p, s.url);
    r.text(*t, "account_sid", p, s.account_sid);
    r.text(*t, "from", p, s.from);
    r.strings(*t, "to", p, s.to);
    if (!s.account_sid.starts_with("AC")) r.error(t, p + ".account_sid", "must be the Twilio Account SID (AC…)");
    if (s.from.empty()) r.error(t, p + ".from", "is required (a Twilio number, +1…)");
    if (s.to.empty()) r.error(t, p + ".to", "needs at least one number");
    s.auth_token = secret(r, *t, p, "auth_token_file", "TWILIO_AUTH_TOKEN", getenv, true);
    c.sms_min = severity(r, *t, p, Severity::Critical);
    c.sms = std::move(s);
  }
  if (const toml::table* t = r.table(*a, "webhook", "alerts")) {
    const std::string p = "alerts.webhook";
    r.only(*t, p, {"url", "token_file", "min_severity"});
    WebhookSettings s;
    r.text(*t, "url", p, s.url);
    if (!s.url.starts_with("http://") && !s.url.starts_with("https://")) {
      r.error(t->get("url"), p + ".url", "must be an http:// or https:// URL");
    }
    s.token = secret(r, *t, p, "token_file", "KESTREL_WEBHOOK_TOKEN", getenv, false);
    c.webhook_min = severity(r, *t, p, Severity::Info);
    c.webhook = std::move(s);
  }
  if (const toml::table* t = r.table(root, "reports", "")) {
    r.only(*t, "reports", {"out", "periods", "pdf", "email"});
    ScheduledReports s;
    r.path_value(*t, "out", "reports", s.out_dir);
    if (s.out_dir.empty()) r.error(t, "reports.out", "is required: the folder the reports are written to");
    r.strings(*t, "periods", "reports", s.periods);
    for (const auto& p : s.periods) {
      if (p != "daily" && p != "weekly" && p != "monthly") {
        r.error(t->get("periods"), "reports.periods", fmt::format("'{}' is not daily, weekly or monthly", p));
      }
    }
    if (s.periods.empty()) r.error(t->get("periods"), "reports.periods", "names no report");
    r.boolean(*t, "pdf", "reports", s.pdf);
    r.boolean(*t, "email", "reports", s.email);
    if (s.email && !c.email) r.error(t->get("email"), "reports.email", "needs [alerts.email] (where to send them)");
    c.reports = std::move(s);
  }
  if (!c.email && !c.sms && !c.webhook && r.errors.empty()) {
    r.error(a, "alerts", "names no channel: add [alerts.email], [alerts.sms] or [alerts.webhook]");
  }
  if (!r.errors.empty()) {
    std::string all;
    for (const auto& e : r.errors) all += (all.empty() ? "" : "\n") + e;
    return core::fail_as(core::ErrorKind::Config, "{} problem(s) in the alert configuration:\n{}", r.errors.size(), all);
  }
  return c;
}

std::unique_ptr<AlertDispatcher> make_dispatcher(const AlertConfig& config, AlertDispatcher::Log log) {
  std::vector<RoutedChannel> channels;
  if (config.email) channels.push_back({std::make_unique<SmtpChannel>(*config.email), config.email_min});
  if (config.sms) channels.push_back({std::make_unique<TwilioChannel>(*config.sms), config.sms_min});
  if (config.webhook) channels.push_back({std::make_unique<WebhookChannel>(*config.webhook), config.webhook_min});
  return std::make_unique<AlertDispatcher>(std::move(channels), config.policy, std::move(log));
}

}  // namespace kestrel::alerts
