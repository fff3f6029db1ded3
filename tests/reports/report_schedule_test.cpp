// The node's reports on their schedule (reports/report_schedule.hpp): which reports a session
// closes by the NYSE calendar, and the whole path on a replayed run — reports written once,
// emailed with their files to a fake SMTP server on 127.0.0.1, not remade by a restarted
// server, and a failure told as an alert, never silent.
#include <gtest/gtest.h>

#include <filesystem>

#include "alerts/alert_dispatcher.hpp"
#include "live/live_clock.hpp"
#include "reports/report_schedule.hpp"
#include "store/journal.hpp"
#include "support/base64.hpp"
#include "support/fake_smtp.hpp"
#include "support/replayed_journal.hpp"

namespace kestrel::reports {
namespace {

using kestrel::testing::TempDir;
constexpr auto D = ReportPeriod::Daily;
constexpr auto W = ReportPeriod::Weekly;
constexpr auto M = ReportPeriod::Monthly;
const std::vector<ReportPeriod> kAll{D, W, M};

bool have(const char* tool) { return std::filesystem::exists(std::string("/usr/bin/") + tool); }

std::vector<ReportPeriod> due(int y, unsigned m, unsigned d) {
  const auto calendar = store::TradingCalendar::nyse();
  EXPECT_TRUE(calendar);
  const auto session = core::Date::from_ymd(y, m, d);
  return reports_due(session, *calendar->next_session(session), kAll);
}

TEST(ScheduledReports, EachSessionClosesItsDayTheLastOfAWeekOrMonthClosesThemToo) {
  EXPECT_EQ(due(2019, 5, 29), (std::vector{D}));            // a Wednesday
  EXPECT_EQ(due(2019, 5, 24), (std::vector{D, W}));         // a Friday
  EXPECT_EQ(due(2019, 5, 31), (std::vector{D, W, M}));      // the last Friday of May
  EXPECT_EQ(due(2019, 4, 18), (std::vector{D, W}));         // Thursday before Good Friday
  EXPECT_EQ(due(2019, 4, 30), (std::vector{D, M}));         // a Tuesday ending April
  EXPECT_EQ(due(2019, 12, 31), (std::vector{D, M}));        // the week goes on into 2020
  EXPECT_EQ(due(2019, 11, 29), (std::vector{D, W, M}));     // the half day after Thanksgiving
  EXPECT_EQ(reports_due(core::Date::from_ymd(2019, 5, 31), core::Date::from_ymd(2019, 6, 3), {M}), (std::vector{M}));
}

struct Fixture {
  TempDir out;
  live::LiveClock clock;
  std::vector<std::string> log;
  std::mutex log_mutex;
  std::string run_id, run_name;

  Fixture() {
    auto journal = store::Journal::open_existing(testing::replayed_sample_journal().string());
    EXPECT_TRUE(journal);
    const auto run = *journal->latest_run();
    run_id = run->run_id;
    run_name = run->name;
  }
  ReportScheduleOptions options(bool pdf) {
    return ReportScheduleOptions{.out_dir = out / "reports", .periods = kAll, .pdf = pdf,
                                 .journal = testing::replayed_sample_journal().string(), .market = std::nullopt,
                                 .email = std::nullopt, .alerts = nullptr, .clock = &clock,
                                 .log = [this](const std::string& line) {
                                   std::lock_guard lock(log_mutex);
                                   log.push_back(line);
                                 }};
  }
};

TEST(ScheduledReports, AClosedMonthIsReportedOnceAndEmailedWithItsPdfs) {
  if (!have("chromium")) GTEST_SKIP() << "chromium is needed for the PDFs (install-deps.sh)";
  testing::FakeSmtpServer smtp("kestrel@example.com", "pw");
  Fixture f;
  auto o = f.options(true);
  o.email = alerts::SmtpSettings{.url = smtp.url(), .tls = alerts::SmtpSettings::Tls::None, .from = "kestrel@example.com",
                                 .to = {"ops@example.com"}, .username = "kestrel@example.com", .password = "pw",
                                 .ca_file = {}, .timeout_seconds = 10};
  const auto last = core::Date::from_ymd(2019, 12, 31);
  {
    ReportSchedule schedule(o);
    schedule.notice(f.run_id, f.run_name, last);
    schedule.notice(f.run_id, f.run_name, last);  // the server reads the journal every second
    schedule.wait_idle();
    EXPECT_EQ(schedule.batches_done(), 1u);
  }
  for (const char* name : {"daily-2019-12-31.html", "daily-2019-12-31.pdf", "monthly-2019-12-31.html", "monthly-2019-12-31.pdf"}) {
    EXPECT_TRUE(std::filesystem::exists(f.out / "reports" / name)) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(f.out / "reports" / "weekly-2019-12-31.html"));  // the week goes on in 2020
  const auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  const std::string& data = mails[0].data;
  EXPECT_NE(data.find("Subject: [Kestrel] daily, monthly reports — " + f.run_name + ", session 2019-12-31\r\n"),
            std::string::npos) << data.substr(0, 600);
  for (const char* name : {"daily-2019-12-31.pdf", "monthly-2019-12-31.pdf"}) {
    const std::string header = std::string("filename=\"") + name + "\"\r\n\r\n";
    const auto at = data.find(header);
    ASSERT_NE(at, std::string::npos) << name;
    const auto start = at + header.size();
    const std::string pdf = testing::base64_decode(data.substr(start, data.find("\r\n--", start) - start));
    EXPECT_EQ(pdf, testing::read_file(f.out / "reports" / name)) << name << " arrived changed";
    EXPECT_TRUE(pdf.starts_with("%PDF-")) << name;
  }
  // A restarted server finds the reports made: nothing is made or sent again.
  ReportSchedule again(o);
  again.notice(f.run_id, f.run_name, last);
  again.wait_idle();
  EXPECT_EQ(again.batches_done(), 0u);
  EXPECT_EQ(smtp.mails().size(), 1u);
}

TEST(ScheduledReports, TheLastFridayOfAMonthMakesAllThreeAndAMailServerThatIsDownIsAnAlert) {
  Fixture f;
  auto o = f.options(false);
  o.email = alerts::SmtpSettings{.url = "smtp://127.0.0.1:1", .tls = alerts::SmtpSettings::Tls::None,
                                 .from = "kestrel@example.com", .to = {"ops@example.com"}, .username = {},
                                 .password = {}, .ca_file = {}, .timeout_seconds = 5};
  o.email_first_retry = std::chrono::milliseconds(10);
  struct Recorder final : alerts::AlertChannel {
    std::mutex mutex;
    std::vector<alerts::Alert> got;
    std::string name() const override { return "recorder"; }
    core::Status send(const alerts::Alert& a) override {
      std::lock_guard lock(mutex);
      got.push_back(a);
      return {};
    }
  };
  auto recorder = std::make_unique<Recorder>();
  Recorder* seen = recorder.get();
  std::vector<alerts::RoutedChannel> channels;
  channels.push_back({std::move(recorder), alerts::Severity::Info});
  alerts::AlertDispatcher dispatcher(std::move(channels), {}, [](const std::string&) {});
  o.alerts = &dispatcher;
  {
    ReportSchedule schedule(o);
    schedule.notice(f.run_id, f.run_name, core::Date::from_ymd(2019, 5, 31));
    schedule.wait_idle();
  }
  for (const char* period : {"daily", "weekly", "monthly"}) {
    const auto html = f.out / "reports" / (std::string(period) + "-2019-05-31.html");
    ASSERT_TRUE(std::filesystem::exists(html)) << html;
    EXPECT_NE(testing::read_file(html).find(f.run_name), std::string::npos);
  }
  ASSERT_TRUE(dispatcher.wait_idle(std::chrono::seconds(10)));
  std::lock_guard lock(seen->mutex);
  ASSERT_EQ(seen->got.size(), 1u);
  EXPECT_EQ(seen->got[0].key, "report:" + f.run_id);
  EXPECT_NE(seen->got[0].body.find("could not be emailed"), std::string::npos) << seen->got[0].body;
  EXPECT_NE(seen->got[0].body.find("smtp://127.0.0.1:1"), std::string::npos) << seen->got[0].body;
}

}  // namespace
}  // namespace kestrel::reports
