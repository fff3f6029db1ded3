#include "alerts/alert_dispatcher.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace kestrel::alerts {

AlertDispatcher::AlertDispatcher(std::vector<RoutedChannel> channels, DispatchPolicy policy, Log log)
    : channels_(std::move(channels)), policy_(policy), log_(std::move(log)), recent_(channels_.size()) {
  worker_ = std::thread([this] { run(); });
}

AlertDispatcher::~AlertDispatcher() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
  for (const auto& d : queue_) {
    if (log_) log_(fmt::format("alert not sent to {} (shutting down): {}", channels_[d.channel].channel->name(), d.alert.title));
  }
}

void AlertDispatcher::post(Alert alert) {
  {
    std::lock_guard lock(mutex_);
    ++counts_.posted;
    auto it = sent_.find(alert.key);
    const auto now = Clock::now();
    if (it != sent_.end() && now - it->second.at < policy_.repeat_after && alert.severity <= it->second.severity) {
      ++it->second.held_back;
      ++counts_.suppressed;
      return;
    }
    std::size_t held_back = 0;
    if (it != sent_.end()) held_back = it->second.held_back;
    sent_[alert.key] = Sent{.at = now, .severity = alert.severity, .held_back = 0};
    if (held_back > 0) {
      alert.body += fmt::format("\n\n({} more alert(s) for this condition were held back since the last message.)",
                                held_back);
    }
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      if (alert.severity < channels_[c].min_severity) continue;
      if (queue_.size() >= policy_.queue_limit) {
        ++counts_.dropped;
        if (log_) log_(fmt::format("alert queue full: dropped '{}' for {}", queue_.front().alert.title,
                                   channels_[queue_.front().channel].channel->name()));
        queue_.pop_front();
      }
      queue_.push_back({.alert = alert, .channel = c, .attempt = 0, .due = now});
    }
  }
  wake_.notify_all();
}

bool AlertDispatcher::wait_idle(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  return wake_.wait_until(lock, deadline, [this] { return queue_.empty() && !busy_; });
}

DispatchCounts AlertDispatcher::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void AlertDispatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (queue_.empty()) {
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      continue;
    }
    const auto next = std::min_element(queue_.begin(), queue_.end(),
                                       [](const Delivery& a, const Delivery& b) { return a.due < b.due; });
    if (next->due > Clock::now()) {
      wake_.wait_until(lock, next->due);
      continue;
    }
    Delivery delivery = std::move(*next);
    queue_.erase(next);
    busy_ = true;
    lock.unlock();
    deliver(std::move(delivery));
    lock.lock();
    busy_ = false;
    wake_.notify_all();
  }
}

void AlertDispatcher::deliver(Delivery d) {
  AlertChannel& channel = *channels_[d.channel].channel;
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    auto& recent = recent_[d.channel];
    while (!recent.empty() && now - recent.front() >= std::chrono::minutes(1)) recent.pop_front();
    if (d.attempt == 0 && recent.size() >= policy_.max_per_minute) {
      ++counts_.rate_limited;
      if (log_) log_(fmt::format("alert not sent to {}: more than {} a minute ({})", channel.name(),
                                 policy_.max_per_minute, d.alert.title));
      return;
    }
    if (d.attempt == 0) recent.push_back(now);
  }
  const auto sent = channel.send(d.alert);
  std::lock_guard lock(mutex_);
  if (sent) {
    ++counts_.sent;
    if (log_) log_(fmt::format("alert sent to {}: [{}] {}", channel.name(), to_string(d.alert.severity), d.alert.title));
    return;
  }
  const auto kind = sent.error().kind;
  const bool transient = kind == core::ErrorKind::Unavailable || kind == core::ErrorKind::Throttled;
  if (transient && d.attempt + 1 < policy_.attempts) {
    ++counts_.retried;
    const auto delay = policy_.first_retry * (1 << d.attempt);
    if (log_) log_(fmt::format("alert to {} failed (try {} of {}), retrying in {} ms: {}", channel.name(),
                               d.attempt + 1, policy_.attempts, delay.count(), sent.error().message));
    d.attempt += 1;
    d.due = Clock::now() + delay;
    queue_.push_back(std::move(d));
    return;
  }
  ++counts_.failed;
  if (log_) log_(fmt::format("alert NOT delivered to {} after {} tr{}: {} ({})", channel.name(), d.attempt + 1,
                             d.attempt == 0 ? "y" : "ies", sent.error().message, d.alert.title));
}

}  // namespace kestrel::alerts
