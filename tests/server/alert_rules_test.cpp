#include <gtest/gtest.h>

#include <fmt/format.h>

#include "server/alert_rules.hpp"

namespace kestrel::server {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

DashboardSnapshot paper_run() {
  DashboardSnapshot s;
  s.run.run_id = "r1";
  s.run.mode = "paper";
  s.run.name = "paper-test";
  s.today = store::JournalDay{.date = core::Date::from_ymd(2026, 11, 25), .equity = 100'000};
  s.health.data_last_date = s.today->date;
  s.health.expected_date = s.today->date;
  return s;
}

std::int64_t at(int year, unsigned month, unsigned day, int hour) {
  return (static_cast<std::int64_t>(core::Date::from_ymd(year, month, day).days()) * 86'400 + hour * 3600) * kSecond;
}

TEST(AlertRules, HistoryIsTheBaselineAndOnlyNewEventsAlert) {
  AlertRules rules;
  DashboardSnapshot s = paper_run();
  s.events_by_kind["control:kill"] = 1;  // history: no alert at start
  s.rejections = 3;
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 12)).empty());

  s.events_by_kind["control:kill"] = 2;
  s.events_by_kind["risk:drawdown_halt"] = 1;
  s.events_by_kind["risk:size_reduced"] = 40;  // not an alert
  s.recent_events.push_back({.seq = 9, .date = s.today->date, .kind = "risk:drawdown_halt", .detail = "drawdown 15.2%"});
  s.rejections = 4;
  s.health.restarts = 1;
  s.health.last_start = "2026-11-26T12:00:00Z";
  const auto alerts = rules.update(s, at(2026, 11, 26, 12));
  ASSERT_EQ(alerts.size(), 4u);
  EXPECT_EQ(alerts[0].key, "control:kill:r1");
  EXPECT_EQ(alerts[0].severity, alerts::Severity::Critical);
  EXPECT_EQ(alerts[0].title, "Kill switch engaged — paper-test");
  EXPECT_EQ(alerts[1].key, "risk:drawdown_halt:r1");
  EXPECT_NE(alerts[1].body.find("drawdown 15.2% (session 2026-11-25)"), std::string::npos) << alerts[1].body;
  EXPECT_EQ(alerts[2].key, "rejected:r1");
  EXPECT_EQ(alerts[2].severity, alerts::Severity::Warning);
  EXPECT_EQ(alerts[3].key, "restart:r1");
  EXPECT_EQ(alerts[3].at, "2026-11-26T12:00:00Z");
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 12)).empty());  // nothing new
}

TEST(AlertRules, StaleDataIsReportedWhileItLastsAndASilentNodeAfterItsGraceTime) {
  AlertRules rules(60);
  DashboardSnapshot s = paper_run();
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 12)).empty());
  s.health.data_stale = true;
  s.health.data_lag_sessions = 1;
  s.health.expected_date = core::Date::from_ymd(2026, 11, 27);
  for (int i = 0; i < 2; ++i) {
    const auto alerts = rules.update(s, at(2026, 11, 28, 1));
    ASSERT_EQ(alerts.size(), 1u);  // the dispatcher's dedup keeps it to one message
    EXPECT_EQ(alerts[0].key, "data_stale:r1");
  }
  // The bars are there but the node did not close the session: silent after 21:00 UTC + 60 min.
  s.health.data_stale = false;
  s.health.data_last_date = s.health.expected_date;
  EXPECT_TRUE(rules.update(s, at(2026, 11, 27, 21) + 59 * 60 * kSecond).empty());
  const auto silent = rules.update(s, at(2026, 11, 27, 22) + kSecond);
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0].key, "node_silent:r1");
  EXPECT_EQ(silent[0].severity, alerts::Severity::Critical);
  // A replay is never silent or stale.
  s.run.mode = "replay";
  EXPECT_TRUE(rules.update(s, at(2026, 11, 29, 12)).empty());
}

TEST(AlertRules, AFailedCycleIsCriticalAndBrokerErrorsAWarning) {
  AlertRules rules;
  DashboardSnapshot s = paper_run();
  s.health.broker_requests = 40;
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 12)).empty());
  s.health.broker_errors = 3;
  s.health.broker_requests = 60;
  s.health.failed_cycles = 1;
  s.health.last_cycle = store::JournalCycle{.started_at = "2026-11-26T21:40:00Z", .session = s.today->date,
                                            .duration_ms = 30'000, .result = "alpaca: GET /v2/account: timed out"};
  const auto alerts = rules.update(s, at(2026, 11, 26, 22));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].key, "cycle_failed:r1");
  EXPECT_EQ(alerts[0].severity, alerts::Severity::Critical);
  EXPECT_NE(alerts[0].body.find("alpaca: GET /v2/account: timed out"), std::string::npos) << alerts[0].body;
  EXPECT_EQ(alerts[1].key, "broker_errors:r1");
  EXPECT_NE(alerts[1].body.find("3 failed request(s)"), std::string::npos) << alerts[1].body;
}

TEST(AlertRules, ABrokerStreamDownLongerThanItsLimitIsCriticalAndItsReturnIsTold) {
  AlertRules rules(90, 5);
  DashboardSnapshot s = paper_run();
  s.health.broker_link = store::JournalBrokerLink{.at = "2026-11-26T14:00:00Z", .state = "connected", .detail = ""};
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 14)).empty());
  s.health.broker_link = store::JournalBrokerLink{.at = "2026-11-26T14:10:00Z", .state = "disconnected",
                                                  .detail = "connection reset by peer"};
  // 4 min 59 s: not yet.
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 14) + (14 * 60 + 59) * kSecond).empty());
  for (int minutes : {15, 30}) {
    const auto alerts = rules.update(s, at(2026, 11, 26, 14) + minutes * 60 * kSecond);
    ASSERT_EQ(alerts.size(), 1u);  // while it lasts; the dispatcher's dedup keeps it to one message a period
    EXPECT_EQ(alerts[0].key, "broker_down:r1");
    EXPECT_EQ(alerts[0].severity, alerts::Severity::Critical);
    EXPECT_EQ(alerts[0].title, fmt::format("The broker's stream has been down for {} minutes — paper-test", minutes - 10));
    EXPECT_NE(alerts[0].body.find("2026-11-26T14:10:00Z (connection reset by peer)"), std::string::npos) << alerts[0].body;
  }
  s.health.broker_link = store::JournalBrokerLink{.at = "2026-11-26T14:41:00Z", .state = "connected", .detail = ""};
  const auto back = rules.update(s, at(2026, 11, 26, 14) + 42 * 60 * kSecond);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].key, "broker_up:r1");
  EXPECT_EQ(back[0].severity, alerts::Severity::Info);
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 15)).empty());
  // A short blip that heals before the limit is not worth a message; nor is a node that closed
  // its stream on stopping (the silent-node rule covers a node that does not come back).
  s.health.broker_link = store::JournalBrokerLink{.at = "2026-11-26T15:00:00Z", .state = "disconnected", .detail = "eof"};
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 15) + 60 * kSecond).empty());
  s.health.broker_link = store::JournalBrokerLink{.at = "2026-11-26T15:01:30Z", .state = "connected", .detail = ""};
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 15) + 2 * 60 * kSecond).empty());
  s.health.broker_link = store::JournalBrokerLink{.at = "2026-11-26T15:05:00Z", .state = "closed", .detail = "the node stopped"};
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 18)).empty());
}

TEST(AlertRules, ANewRunIsAnnouncedAndStartsItsOwnBaseline) {
  AlertRules rules;
  DashboardSnapshot s = paper_run();
  s.events_by_kind["control:kill"] = 2;
  EXPECT_TRUE(rules.update(s, at(2026, 11, 26, 12)).empty());
  s.run.run_id = "r2";
  s.events_by_kind["control:kill"] = 1;  // the new run's own kill
  const auto alerts = rules.update(s, at(2026, 11, 26, 12));
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].key, "run:r2");
  EXPECT_EQ(alerts[1].key, "control:kill:r2");
}

}  // namespace
}  // namespace kestrel::server
