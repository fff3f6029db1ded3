#pragma once
// Delivers alerts to their channels on a worker thread, so that posting one never waits for a
// mail server or an SMS API: post() only queues.
//
// - Severity: each channel takes alerts at or above its minimum (e.g. SMS for critical only).
// - Deduplication: an alert whose key was sent less than `repeat_after` ago is not sent again
//   unless it is more severe; the next one that is sent says how many were held back. So a
//   condition that flaps sends one message.
// - Rate limit: at most `max_per_minute` messages per channel; beyond it an alert is not sent
//   to that channel and a line is logged (an alert storm must not exhaust an SMS budget).
// - Retries: a delivery that failed with a transient error (server unreachable, throttled) is
//   retried after `first_retry`, doubling, up to `attempts` tries; every failure is logged, a
//   delivery given up on is logged as such.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert.hpp"
#include "alerts/alert_channel.hpp"

namespace kestrel::alerts {

struct DispatchPolicy {
  std::chrono::milliseconds repeat_after{std::chrono::hours(1)};
  std::size_t max_per_minute = 6;
  int attempts = 5;
  std::chrono::milliseconds first_retry{std::chrono::seconds(5)};
  std::size_t queue_limit = 1000;  // beyond it the oldest waiting delivery is dropped (and logged)
};

struct RoutedChannel {
  std::unique_ptr<AlertChannel> channel;
  Severity min_severity = Severity::Warning;
};

struct DispatchCounts {
  std::size_t posted = 0, sent = 0, suppressed = 0, rate_limited = 0, failed = 0, retried = 0, dropped = 0;
};

class AlertDispatcher {
 public:
  using Log = std::function<void(const std::string&)>;
  AlertDispatcher(std::vector<RoutedChannel> channels, DispatchPolicy policy, Log log);
  ~AlertDispatcher();  // stops the worker; deliveries still waiting are logged as not sent
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  void post(Alert alert);
  // Waits until nothing is queued or being retried, or `timeout` passes; true when idle.
  bool wait_idle(std::chrono::milliseconds timeout);
  DispatchCounts counts() const;
  std::size_t channel_count() const { return channels_.size(); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Delivery {
    Alert alert;
    std::size_t channel = 0;
    int attempt = 0;
    Clock::time_point due;
  };
  struct Sent {
    Clock::time_point at;
    Severity severity;
    std::size_t held_back = 0;  // suppressed since
  };
  void run();
  void deliver(Delivery delivery);

  std::vector<RoutedChannel> channels_;
  DispatchPolicy policy_;
  Log log_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Delivery> queue_;
  std::map<std::string, Sent> sent_;                       // by key
  std::vector<std::deque<Clock::time_point>> recent_;      // per channel: sends in the last minute
  DispatchCounts counts_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace kestrel::alerts
