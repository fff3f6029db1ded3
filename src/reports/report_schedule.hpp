#pragma once
// The node's reports on their schedule: after each session the node closes, the daily report;
// after the last session of a week (the next NYSE session is in another week) the weekly;
// after the last of a month the monthly — written to a folder as HTML and PDF and, when asked,
// emailed with the files attached. Hosted by `kestrel serve` (which already reads the journal
// on a timer), so that Chromium and the mail server never hold up the trading node.
//
// Reports are made on a thread of their own from the journal's file or URL (a connection of
// their own) and the run's market data, loaded for each batch. A report whose HTML is already
// in the folder is not made again, so a restarted server does not resend; the first session
// the server sees is its baseline only when its reports are already there.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_dispatcher.hpp"
#include "alerts/smtp_channel.hpp"
#include "backtest/config.hpp"
#include "core/clock.hpp"
#include "core/date.hpp"
#include "reports/trading_report.hpp"
#include "store/trading_calendar.hpp"

namespace kestrel::reports {

// Which of `enabled` close with `session`, given the exchange's next session after it.
std::vector<ReportPeriod> reports_due(core::Date session, core::Date next_session, const std::vector<ReportPeriod>& enabled);

struct ReportScheduleOptions {
  std::filesystem::path out_dir;
  std::vector<ReportPeriod> periods{ReportPeriod::Daily, ReportPeriod::Weekly, ReportPeriod::Monthly};
  bool pdf = true;
  std::string journal;                         // a SQLite file or a postgresql:// URL
  std::optional<backtest::DataConfig> market;  // the run's market data, when known
  std::optional<alerts::SmtpSettings> email;   // send each batch to these recipients
  int email_attempts = 3;                      // when the mail server is unreachable or busy
  std::chrono::milliseconds email_first_retry{5'000};  // then doubling
  alerts::AlertDispatcher* alerts = nullptr;   // told when a report cannot be made or sent
  const core::Clock* clock = nullptr;          // the wall clock (required)
  std::function<void(const std::string&)> log;
};

class ReportSchedule {
 public:
  explicit ReportSchedule(ReportScheduleOptions options);
  ~ReportSchedule();  // finishes the batch in progress; later ones are dropped
  ReportSchedule(const ReportSchedule&) = delete;
  ReportSchedule& operator=(const ReportSchedule&) = delete;

  // The run's last closed session, as the server read it: queues the reports it closes that
  // are not made yet. Cheap; never blocks on a report.
  void notice(const std::string& run_id, const std::string& run_name, core::Date session);
  // Waits until every queued batch is done (tests, and a server that stops).
  void wait_idle();
  std::size_t batches_done() const;

 private:
  struct Batch {
    std::string run_id, run_name;
    core::Date session;
    std::vector<ReportPeriod> periods;
  };
  void work();
  void make(const Batch& batch);
  void trouble(const Batch& batch, const std::string& what);

  ReportScheduleOptions options_;
  std::optional<store::TradingCalendar> calendar_;
  std::set<std::string> seen_;  // run|session noticed
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Batch> queue_;
  bool busy_ = false, stopping_ = false;
  std::size_t done_ = 0;
  std::thread worker_;
};

}  // namespace kestrel::reports
