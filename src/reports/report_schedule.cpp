#include "reports/report_schedule.hpp"

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "live/live_clock.hpp"
#include "store/journal.hpp"

namespace kestrel::reports {
namespace {

core::Date monday_of(core::Date d) { return d - static_cast<std::int32_t>(d.weekday()); }

core::Result<std::string> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return core::fail("{}: cannot read", path.string());
  return bytes;
}

std::string names(const std::vector<ReportPeriod>& periods) {
  std::string out;
  for (auto p : periods) out += (out.empty() ? "" : ", ") + std::string(to_string(p));
  return out;
}

}  // namespace

std::vector<ReportPeriod> reports_due(core::Date session, core::Date next_session, const std::vector<ReportPeriod>& enabled) {
  std::vector<ReportPeriod> due;
  for (auto p : enabled) {
    const bool closes = p == ReportPeriod::Daily    ? true
                        : p == ReportPeriod::Weekly ? monday_of(next_session) != monday_of(session)
                                                    : next_session.month() != session.month() ||
                                                          next_session.year() != session.year();
    if (closes) due.push_back(p);
  }
  return due;
}

ReportSchedule::ReportSchedule(ReportScheduleOptions options) : options_(std::move(options)) {
  if (auto calendar = store::TradingCalendar::nyse()) calendar_.emplace(std::move(*calendar));
  worker_ = std::thread([this] { work(); });
}

ReportSchedule::~ReportSchedule() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  worker_.join();
}

void ReportSchedule::notice(const std::string& run_id, const std::string& run_name, core::Date session) {
  const std::string key = run_id + "|" + session.to_string();
  {
    std::lock_guard lock(mutex_);
    if (!seen_.insert(key).second) return;
  }
  // The next session by the exchange's calendar; past its range, the next weekday.
  core::Date next = session + 1;
  while (next.is_weekend()) next = next + 1;
  if (calendar_) {
    if (auto n = calendar_->next_session(session)) next = *n;
  }
  Batch batch{.run_id = run_id, .run_name = run_name, .session = session, .periods = {}};
  for (auto p : reports_due(session, next, options_.periods)) {
    std::error_code ec;
    if (!std::filesystem::exists(trading_report_file(options_.out_dir, p, session, ".html"), ec)) batch.periods.push_back(p);  // made by an earlier server otherwise
  }
  if (batch.periods.empty()) return;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(batch));
  }
  wake_.notify_all();
}

void ReportSchedule::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

std::size_t ReportSchedule::batches_done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void ReportSchedule::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    const Batch batch = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    make(batch);
    lock.lock();
    busy_ = false;
    ++done_;
    idle_.notify_all();
  }
  busy_ = false;
  idle_.notify_all();
}

void ReportSchedule::trouble(const Batch& batch, const std::string& what) {
  if (options_.log) options_.log(what);
  if (options_.alerts == nullptr) return;
  options_.alerts->post({.severity = alerts::Severity::Warning,
                         .key = "report:" + batch.run_id,
                         .title = fmt::format("A scheduled report failed — {}", batch.run_name),
                         .body = what + "\nThe run is not affected; make the report by hand with `kestrel report`.",
                         .at = live::iso_time(options_.clock->now())});
}

void ReportSchedule::make(const Batch& batch) {
  std::optional<store::Panel> market;
  if (options_.market) {
    auto panel = backtest::load_panel(*options_.market);
    if (!panel) {
      trouble(batch, "scheduled reports: the run's market data: " + panel.error().message);
      return;
    }
    market.emplace(std::move(*panel));
  }
  auto journal = store::Journal::open_existing(options_.journal);
  if (!journal) {
    trouble(batch, "scheduled reports: " + journal.error().message);
    return;
  }
  std::error_code ec;
  std::filesystem::create_directories(options_.out_dir, ec);
  std::vector<TradingReportFiles> made;
  for (auto period : batch.periods) {
    TradingReportOptions o{.period = period, .date = batch.session, .run_id = batch.run_id,
                           .market = market ? &*market : nullptr, .pdf = options_.pdf,
                           .now_ns = options_.clock->now()};
    auto files = write_trading_report(*journal, o, options_.out_dir);
    if (!files) {
      trouble(batch, fmt::format("scheduled {} report for {}: {}", to_string(period), batch.session.to_string(),
                                 files.error().message));
      continue;
    }
    if (options_.log) {
      options_.log(fmt::format("scheduled {} report for {}: {}{}", to_string(period), batch.session.to_string(),
                               files->html.string(), files->pdf.empty() ? "" : ", " + files->pdf.string()));
    }
    made.push_back(std::move(*files));
  }
  if (made.empty() || !options_.email) return;

  alerts::Email email{.from = {}, .to = {},
                      .subject = fmt::format("[Kestrel] {} report{} — {}, session {}", names(batch.periods),
                                             batch.periods.size() > 1 ? "s" : "", batch.run_name, batch.session.to_string()),
                      .text = {}, .at = live::iso_time(options_.clock->now()), .attachments = {}};
  email.text = fmt::format("The {} report{} of run {} ({}) after the session of {} are attached", names(batch.periods),
                           batch.periods.size() > 1 ? "s" : "", batch.run_name, batch.run_id, batch.session.to_string());
  email.text += options_.pdf ? " as PDF.\n" : " as HTML.\n";
  email.text += fmt::format("They are also in {}.\n", options_.out_dir.string());
  for (const auto& files : made) {
    const auto& file = options_.pdf ? files.pdf : files.html;
    auto bytes = read_bytes(file);
    if (!bytes) {
      trouble(batch, "scheduled reports: " + bytes.error().message);
      return;
    }
    email.attachments.push_back({.filename = file.filename().string(),
                                 .content_type = options_.pdf ? "application/pdf" : "text/html; charset=utf-8",
                                 .bytes = std::move(*bytes)});
  }
  // Not through the alert dispatcher (one message per batch, with files): a few tries, then an alert.
  alerts::SmtpChannel channel(*options_.email);
  core::Status sent;
  auto wait = options_.email_first_retry;
  for (int attempt = 1;; ++attempt, wait *= 2) {
    sent = channel.send(email);
    if (sent || sent.error().kind != core::ErrorKind::Unavailable || attempt >= options_.email_attempts) break;
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) break;
  }
  if (!sent) {
    trouble(batch, fmt::format("scheduled reports for {} could not be emailed: {}", batch.session.to_string(),
                               sent.error().message));
  } else if (options_.log) {
    options_.log(fmt::format("emailed the {} report{} for {} to {} recipient(s)", names(batch.periods),
                             batch.periods.size() > 1 ? "s" : "", batch.session.to_string(), options_.email->to.size()));
  }
}

}  // namespace kestrel::reports
