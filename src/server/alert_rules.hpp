#pragma once
// What in a trading run is worth telling a person at once, found by comparing each new
// dashboard snapshot of the journal with the previous one. The first snapshot only sets the
// baseline: starting the server does not replay a run's history as alerts.
//
//   kill switch engaged / flatten          critical   control:kill, control:kill_flatten
//   drawdown halt                          critical   risk:drawdown_halt
//   reconciliation mismatch (broker)       critical   reconcile:mismatch
//   a cycle failed (the node stopped)      critical   a new cycle whose result is an error
//   node silent: the last closed session   critical   paper/live: not closed `node_silent_minutes`
//     not journaled                                   after the session's close
//   broker stream disconnected             critical   lost `broker_down_minutes` ago and not back
//                                                     (re-sent while it lasts, like stale data)
//   daily-loss stop                        warning    risk:daily_loss_limit
//   order rejected by the venue            warning    a rejected order event
//   node restarted (after a stop or crash) warning    a new process start marked restart
//   broker requests failing                warning    new broker errors (no reply, HTTP errors)
//   market data stale                      warning    paper/live: the newest bar is behind the
//                                                     last closed session (re-sent while it lasts,
//                                                     the dispatcher's dedup keeps it to one a period)
//   broker state adopted                   warning    reconcile:adopt
//   trading resumed                        info       control:resume, risk:resumed
//   broker stream back                     info       connected again after a disconnection alert
//   a new run started                      info
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alert.hpp"
#include "server/dashboard_snapshot.hpp"

namespace kestrel::server {

class AlertRules {
 public:
  explicit AlertRules(double node_silent_minutes = 90, double broker_down_minutes = 5)
      : node_silent_minutes_(node_silent_minutes), broker_down_minutes_(broker_down_minutes) {}
  // The alerts for what changed since the previous call; `now_ns` is the wall clock.
  std::vector<alerts::Alert> update(const DashboardSnapshot& snapshot, std::int64_t now_ns);

 private:
  double node_silent_minutes_;
  double broker_down_minutes_;
  bool broker_down_alerted_ = false;
  bool first_ = true;
  std::string run_id_;
  std::map<std::string, std::size_t> kinds_;
  std::size_t rejections_ = 0;
  std::size_t restarts_ = 0;
  std::size_t failed_cycles_ = 0;
  std::int64_t broker_errors_ = 0;
};

}  // namespace kestrel::server
