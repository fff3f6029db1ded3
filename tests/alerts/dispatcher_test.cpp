// The dispatcher with scripted channels: posting never waits, a flapping condition sends one
// message, severities route, a storm is capped, transient failures are retried and every
// failure is logged.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>

#include "alerts/alert_dispatcher.hpp"

namespace kestrel::alerts {
namespace {

using namespace std::chrono_literals;

// A channel that records what it is given and fails as scripted.
class ScriptedChannel final : public AlertChannel {
 public:
  struct State {
    std::mutex mutex;
    std::vector<Alert> sent;
    std::deque<core::ErrorKind> failures;  // the next sends fail with these kinds
    std::chrono::milliseconds delay{0};
    std::atomic<int> calls{0};
  };
  explicit ScriptedChannel(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::string name() const override { return "scripted"; }
  core::Status send(const Alert& alert) override {
    ++state_->calls;
    std::this_thread::sleep_for(state_->delay);
    std::lock_guard lock(state_->mutex);
    if (!state_->failures.empty()) {
      const auto kind = state_->failures.front();
      state_->failures.pop_front();
      return core::fail_as(kind, "scripted failure");
    }
    state_->sent.push_back(alert);
    return {};
  }

 private:
  std::shared_ptr<State> state_;
};

Alert alert(const std::string& key, Severity severity = Severity::Warning) {
  std::string title = "title ";
  title += key;  // (operator+ here trips g++ 12's -Wrestrict false positive)
  return {.severity = severity, .key = key, .title = title, .body = "body", .at = "2026-11-27T21:30:00Z"};
}

struct Harness {
  std::shared_ptr<ScriptedChannel::State> state = std::make_shared<ScriptedChannel::State>();
  std::vector<std::string> log;
  std::mutex log_mutex;
  std::unique_ptr<AlertDispatcher> dispatcher;
  explicit Harness(DispatchPolicy policy, Severity min = Severity::Info) {
    std::vector<RoutedChannel> channels;
    channels.push_back({std::make_unique<ScriptedChannel>(state), min});
    dispatcher = std::make_unique<AlertDispatcher>(std::move(channels), policy, [this](const std::string& line) {
      std::lock_guard lock(log_mutex);
      log.push_back(line);
    });
  }
  std::vector<Alert> sent() {
    std::lock_guard lock(state->mutex);
    return state->sent;
  }
};

TEST(AlertDispatcher, PostingDoesNotWaitForASlowChannel) {
  Harness s({});
  s.state->delay = 500ms;
  const auto start = std::chrono::steady_clock::now();
  s.dispatcher->post(alert("a"));
  s.dispatcher->post(alert("b"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 100ms);
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.sent().size(), 2u);
}

TEST(AlertDispatcher, AFlappingConditionSendsOneMessageUntilItsRepeatPeriodOrItGetsWorse) {
  Harness s({.repeat_after = 300ms, .max_per_minute = 100, .attempts = 1, .first_retry = 1ms, .queue_limit = 100});
  for (int i = 0; i < 10; ++i) s.dispatcher->post(alert("stale"));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.sent().size(), 1u);
  s.dispatcher->post(alert("stale", Severity::Critical));  // more severe: sent at once
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.sent().size(), 2u);
  std::this_thread::sleep_for(350ms);
  s.dispatcher->post(alert("stale", Severity::Critical));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  ASSERT_EQ(s.sent().size(), 3u);
  EXPECT_EQ(s.dispatcher->counts().suppressed, 9u);
  EXPECT_EQ(s.sent()[0].body, "body");
  s.dispatcher->post(alert("stale", Severity::Critical));  // held back, then said in the next one
  std::this_thread::sleep_for(350ms);
  s.dispatcher->post(alert("stale", Severity::Critical));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  ASSERT_EQ(s.sent().size(), 4u);
  EXPECT_NE(s.sent()[3].body.find("1 more alert(s) for this condition were held back"), std::string::npos);
}

TEST(AlertDispatcher, ChannelsTakeOnlyTheirSeverities) {
  Harness s({}, Severity::Critical);
  s.dispatcher->post(alert("w", Severity::Warning));
  s.dispatcher->post(alert("c", Severity::Critical));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  ASSERT_EQ(s.sent().size(), 1u);
  EXPECT_EQ(s.sent()[0].key, "c");
}

TEST(AlertDispatcher, AStormIsCappedPerMinuteAndLogged) {
  Harness s({.repeat_after = 1h, .max_per_minute = 3, .attempts = 1, .first_retry = 1ms, .queue_limit = 100});
  for (int i = 0; i < 10; ++i) s.dispatcher->post(alert(std::to_string(i)));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.sent().size(), 3u);
  EXPECT_EQ(s.dispatcher->counts().rate_limited, 7u);
  std::lock_guard lock(s.log_mutex);
  EXPECT_NE(s.log.back().find("more than 3 a minute"), std::string::npos) << s.log.back();
}

TEST(AlertDispatcher, TransientFailuresAreRetriedAndRefusalsAreNot) {
  Harness s({.repeat_after = 1h, .max_per_minute = 100, .attempts = 3, .first_retry = 10ms, .queue_limit = 100});
  s.state->failures = {core::ErrorKind::Unavailable, core::ErrorKind::Throttled};
  s.dispatcher->post(alert("retried"));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.sent().size(), 1u);
  EXPECT_EQ(s.state->calls.load(), 3);
  EXPECT_EQ(s.dispatcher->counts().retried, 2u);

  s.state->failures = {core::ErrorKind::Rejected};
  s.dispatcher->post(alert("refused"));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.state->calls.load(), 4);
  EXPECT_EQ(s.dispatcher->counts().failed, 1u);

  s.state->failures = {core::ErrorKind::Unavailable, core::ErrorKind::Unavailable, core::ErrorKind::Unavailable};
  s.dispatcher->post(alert("given up"));
  ASSERT_TRUE(s.dispatcher->wait_idle(5s));
  EXPECT_EQ(s.dispatcher->counts().failed, 2u);
  std::lock_guard lock(s.log_mutex);
  EXPECT_NE(s.log.back().find("NOT delivered to scripted after 3 tries"), std::string::npos) << s.log.back();
}

}  // namespace
}  // namespace kestrel::alerts
