#pragma once
// Where a node's alerts go, read from a TOML file (`kestrel serve --alerts FILE`; every key in
// docs/operations.md). Secrets are never in the file: the SMTP password, the Twilio auth token
// and the webhook token come from the environment or from files the config names (kept outside
// the repository), like the broker's keys.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert_dispatcher.hpp"
#include "alerts/smtp_channel.hpp"
#include "alerts/twilio_channel.hpp"
#include "alerts/webhook_channel.hpp"
#include "core/error.hpp"

namespace kestrel::alerts {

// The node's reports on their schedule ([reports]; `kestrel serve` makes them,
// reports/report_schedule.hpp).
struct ScheduledReports {
  std::filesystem::path out_dir;
  std::vector<std::string> periods{"daily", "weekly", "monthly"};
  bool pdf = true;
  bool email = false;  // attach them to an email to [alerts.email]'s recipients
};

struct AlertConfig {
  DispatchPolicy policy;
  std::optional<SmtpSettings> email;
  Severity email_min = Severity::Warning;
  std::optional<TwilioSettings> sms;
  Severity sms_min = Severity::Critical;
  std::optional<WebhookSettings> webhook;
  Severity webhook_min = Severity::Info;
  // A paper or live node that has not closed the last session this long after it ended (its
  // close plus the node's delay) is reported as stopped.
  double node_silent_minutes = 90;
  // The broker's stream lost this long (and not back) is reported.
  double broker_down_minutes = 5;
  std::optional<ScheduledReports> reports;
};

// `getenv` reads the environment (passed in by the process edge; tests give their own).
using Environment = std::function<const char*(const char*)>;
core::Result<AlertConfig> read_alert_config(const std::filesystem::path& path, const Environment& getenv);

// The dispatcher with one channel per configured destination.
std::unique_ptr<AlertDispatcher> make_dispatcher(const AlertConfig& config, AlertDispatcher::Log log);

}  // namespace kestrel::alerts
