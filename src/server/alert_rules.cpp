#include "server/alert_rules.hpp"

#include <fmt/format.h>

#include "live/live_clock.hpp"

namespace kestrel::server {
namespace {

struct Rule {
  const char* kind;
  alerts::Severity severity;
  const char* title;
  const char* advice;
};

constexpr Rule kRules[] = {
    {"control:kill", alerts::Severity::Critical, "Kill switch engaged",
     "The node cancels every open order and stays halted until `kestrel trade resume` (or Resume on the dashboard)."},
    {"control:kill_flatten", alerts::Severity::Critical, "Kill switch engaged: closing every position",
     "Every position is sold at the next open; the node stays halted until resumed."},
    {"risk:drawdown_halt", alerts::Severity::Critical, "Drawdown halt",
     "The portfolio fell past the drawdown limit: new risk is refused. Review before `kestrel trade resume`."},
    {"reconcile:mismatch", alerts::Severity::Critical, "Broker and journal disagree",
     "The node halted: compare `kestrel trade status` with the broker; `kestrel trade adopt` books the broker's state."},
    {"risk:daily_loss_limit", alerts::Severity::Warning, "Daily-loss stop",
     "No new positions until the next session."},
    {"reconcile:adopt", alerts::Severity::Warning, "The broker's state was adopted", ""},
    {"control:resume", alerts::Severity::Info, "Trading resumed", ""},
    {"risk:resumed", alerts::Severity::Info, "Trading resumed after a halt", ""},
};

std::string newest_detail(const DashboardSnapshot& s, const std::string& kind) {
  for (const auto& d : s.recent_events) {
    if (d.kind == kind) return fmt::format("{} (session {})", d.detail, d.date.to_string());
  }
  return {};
}

}  // namespace

std::vector<alerts::Alert> AlertRules::update(const DashboardSnapshot& s, std::int64_t now_ns) {
  std::vector<alerts::Alert> out;
  const std::string at = live::iso_time(now_ns);
  const std::string& run = s.run.run_id;
  auto add = [&](alerts::Severity severity, const std::string& condition, const std::string& title, std::string body) {
    out.push_back({.severity = severity, .key = condition + ":" + run, .title = fmt::format("{} — {}", title, s.run.name),
                   .body = fmt::format("{}\n\nRun {} ({}), last session {}, equity {:.2f}.", body, run, s.run.mode,
                                       s.today ? s.today->date.to_string() : "-", s.today ? s.today->equity : 0.0),
                   .at = at});
  };

  const bool new_run = !first_ && run != run_id_;
  if (new_run) {
    add(alerts::Severity::Info, "run", "A new run started", fmt::format("First session {}.", s.run.first_date.to_string()));
    kinds_.clear();
    rejections_ = 0;
    restarts_ = 0;
    failed_cycles_ = 0;
    broker_errors_ = 0;
    broker_down_alerted_ = false;
  }
  if (!first_) {
    for (const Rule& rule : kRules) {
      const auto now = s.events_by_kind.contains(rule.kind) ? s.events_by_kind.at(rule.kind) : 0;
      const auto before = kinds_.contains(rule.kind) ? kinds_.at(rule.kind) : 0;
      if (now > before) {
        add(rule.severity, rule.kind, rule.title, fmt::format("{}\n{}", newest_detail(s, rule.kind), rule.advice));
      }
    }
    if (s.rejections > rejections_) {
      add(alerts::Severity::Warning, "rejected", fmt::format("{} order(s) rejected by the venue", s.rejections - rejections_),
          "See the dashboard's recent orders or `kestrel trade status` for the venue's reasons.");
    }
    if (s.health.failed_cycles > failed_cycles_ && s.health.last_cycle) {
      add(alerts::Severity::Critical, "cycle_failed", "A cycle failed: the node stopped",
          fmt::format("Session {}: {}\nFix the cause and restart the node; it resumes from the journal.",
                      s.health.last_cycle->session.to_string(), s.health.last_cycle->result));
    }
    if (s.health.broker_errors > broker_errors_) {
      add(alerts::Severity::Warning, "broker_errors", "Broker requests are failing",
          fmt::format("{} failed request(s) to the broker since the last check ({} of {} in this run). Check the "
                      "broker's status page and the node's log.",
                      s.health.broker_errors - broker_errors_, s.health.broker_errors, s.health.broker_requests));
    }
    if (s.health.restarts > restarts_) {
      add(alerts::Severity::Warning, "restart", "The node restarted",
          fmt::format("It resumed the run from its journal (started {}) after a stop or a crash; it reconciles with "
                      "the broker before trading.",
                      s.health.last_start));
    }
  }
  // Conditions, not events: reported on every update while they last (the dispatcher sends a
  // condition again only after its repeat period).
  if (s.health.data_stale) {
    add(alerts::Severity::Warning, "data_stale", "Market data is stale",
        fmt::format("The newest bar is {} but the last closed session is {} ({} session(s) missing): the node "
                    "cannot decide on data it does not have. Check the collector or the drop folder.",
                    s.health.data_last_date ? s.health.data_last_date->to_string() : "-",
                    s.health.expected_date ? s.health.expected_date->to_string() : "-", s.health.data_lag_sessions));
  }
  if (s.run.mode != "replay" && s.health.expected_date && s.today && s.today->date < *s.health.expected_date &&
      !s.health.data_stale) {
    // 21:00 UTC is after 16:00 New York in summer and in winter.
    const std::int64_t close_ns = (static_cast<std::int64_t>(s.health.expected_date->days()) * 86'400 + 21 * 3600) *
                                  1'000'000'000LL;
    const auto silent_ns = static_cast<std::int64_t>(node_silent_minutes_ * 60e9);
    if (now_ns > close_ns + silent_ns) {
      add(alerts::Severity::Critical, "node_silent", "The node has not closed the last session",
          fmt::format("Session {} ended and its bars are in the data, but the journal's last session is {}: the node "
                      "is stopped, stuck or failing its cycle. Check its log and restart it; it resumes from the "
                      "journal.",
                      s.health.expected_date->to_string(), s.today->date.to_string()));
    }
  }
  if (const auto& link = s.health.broker_link; link && link->state == "disconnected") {
    const auto since = live::parse_iso_time(link->at);
    const auto down_ns = static_cast<std::int64_t>(broker_down_minutes_ * 60e9);
    if (since && now_ns - *since >= down_ns) {
      add(alerts::Severity::Critical, "broker_down",
          fmt::format("The broker's stream has been down for {:.0f} minutes", static_cast<double>(now_ns - *since) / 60e9),
          fmt::format("The node lost Alpaca's trade_updates stream at {} ({}) and has not reconnected: fills and "
                      "cancellations reach it only through its REST sweeps. Check the network and Alpaca's status "
                      "page; the node keeps retrying and sweeps every order when it is back.",
                      link->at, link->detail.empty() ? "no reason given" : link->detail));
      broker_down_alerted_ = true;
    }
  } else if (broker_down_alerted_ && link && link->state == "connected") {
    add(alerts::Severity::Info, "broker_up", "The broker's stream is back",
        fmt::format("Connected again at {}; the node swept every order over REST for what it missed.", link->at));
    broker_down_alerted_ = false;
  }
  first_ = false;
  run_id_ = run;
  kinds_ = s.events_by_kind;
  rejections_ = s.rejections;
  restarts_ = s.health.restarts;
  failed_cycles_ = s.health.failed_cycles;
  broker_errors_ = s.health.broker_errors;
  return out;
}

}  // namespace kestrel::server
