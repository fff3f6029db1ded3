// The dashboard server against a real journal: a node replays the sample's test years with a
// trained model, then the server's JSON and metrics are compared with the journal's own rows,
// and the controls are tried with and without the token.
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>
#include <unistd.h>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "exposition.hpp"
#include "server/dashboard_server.hpp"
#include "alerts/alert_config.hpp"
#include "support/replayed_journal.hpp"
#include "support/fake_smtp.hpp"
#include "support/fake_twilio.hpp"
#include "store/journal.hpp"
#include "support/run_command.hpp"

// After the headers that include Eigen: glibc's <resolv.h>, which httplib includes, defines
// a macro `_res` that Eigen uses as a parameter name.
#include <httplib.h>

namespace kestrel::server {
namespace {

using nlohmann::json;
using kestrel::testing::run_command;

// A server on a free loopback port, running on its own thread for the test's lifetime.
struct RunningServer {
  core::SimClock clock{1'577'836'800'000'000'000};  // 2020-01-01
  std::vector<std::string> log;
  std::unique_ptr<DashboardServer> server;
  std::thread thread;

  RunningServer(const std::string& journal, const std::string& token, bool with_market,
                alerts::AlertDispatcher* alerts = nullptr) {
    ServerOptions o;
    o.alerts = alerts;
    o.port = 0;
    o.journal = journal;
    o.token = token;
    o.refresh_seconds = 0.2;
    o.clock = &clock;
    o.log = [this](const std::string& line) { log.push_back(line); };
    if (with_market) {
      o.market.emplace();
      o.market->csv_dir = KESTREL_SAMPLE_DATA;
    }
    auto opened = DashboardServer::open(o);
    EXPECT_TRUE(opened) << opened.error().message;
    if (!opened) return;
    server = std::move(*opened);
    thread = std::thread([this] { (void)server->run(); });
  }
  ~RunningServer() {
    if (server) server->stop();
    if (thread.joinable()) thread.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", server->port());
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    return c;
  }
};

TEST(DashboardServer, StatusAndMetricsEqualTheJournal) {
  const auto& journal_path = kestrel::testing::replayed_sample_journal();
  auto journal = store::Journal::open_existing(journal_path.string());
  ASSERT_TRUE(journal) << journal.error().message;
  const auto run = journal->latest_run();
  ASSERT_TRUE(run && *run);
  const auto days = journal->days((*run)->run_id);
  const auto events = journal->events((*run)->run_id);
  const auto orders = journal->orders((*run)->run_id);
  const auto predictions = journal->predictions((*run)->run_id);
  ASSERT_TRUE(days && events && orders && predictions);
  ASSERT_GT(days->size(), 400u);
  const auto positions = journal->positions((*run)->run_id, days->back().date);
  ASSERT_TRUE(positions);
  std::size_t fills = 0;
  for (const auto& e : *events) fills += e.kind == "fill" ? 1 : 0;

  RunningServer s(journal_path.string(), "", true);
  ASSERT_TRUE(s.server);
  auto client = s.client();
  const auto res = client.Get("/api/status");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const json j = json::parse(res->body);

  EXPECT_EQ(j["run"]["id"], (*run)->run_id);
  EXPECT_EQ(j["run"]["sessions"], days->size());
  EXPECT_EQ(j["account"]["equity"].get<double>(), days->back().equity);
  EXPECT_EQ(j["account"]["cash"].get<double>(), days->back().cash);
  EXPECT_EQ(j["account"]["date"], days->back().date.to_string());
  EXPECT_DOUBLE_EQ(j["account"]["day_pnl"].get<double>(), days->back().equity - (*days)[days->size() - 2].equity);
  ASSERT_EQ(j["series"]["equity"].size(), days->size());
  for (std::size_t k = 0; k < days->size(); ++k) ASSERT_EQ(j["series"]["equity"][k].get<double>(), (*days)[k].equity);
  ASSERT_EQ(j["positions"].size(), positions->size());
  for (std::size_t k = 0; k < positions->size(); ++k) {
    EXPECT_EQ(j["positions"][k]["ticker"], (*positions)[k].ticker);
    EXPECT_EQ(j["positions"][k]["quantity"].get<double>(), (*positions)[k].quantity);
    EXPECT_EQ(j["positions"][k]["entry_date"], (*positions)[k].entry_date.to_string());
  }
  EXPECT_EQ(j["orders"]["total"], orders->size());
  EXPECT_EQ(j["orders"]["recent"].size(), 50u);
  EXPECT_EQ(j["orders"]["recent"][0]["client_order_id"], orders->back().client_order_id);  // newest first
  EXPECT_EQ(j["fills"]["total"], fills);
  EXPECT_GT(j["trades"]["wins"].get<int>() + j["trades"]["losses"].get<int>(), 100);
  // The benchmark the node journaled, scaled to the first equity, and QQQ said to be missing.
  ASSERT_EQ(j["series"]["benchmarks"].size(), 1u);
  EXPECT_EQ(j["series"]["benchmarks"][0]["name"], "SPY");
  EXPECT_DOUBLE_EQ(j["series"]["benchmarks"][0]["values"][0].get<double>(), days->front().equity);
  EXPECT_NE(j["notes"].dump().find("QQQ: not in the market data"), std::string::npos) << j["notes"];
  // Predictions scored against the sample's next-day returns: every one but the last day's.
  ASSERT_EQ(j["models"].size(), 1u);
  EXPECT_EQ(j["models"][0]["model"], "logistic_regression");
  EXPECT_EQ(j["models"][0]["predictions"], predictions->size());
  EXPECT_EQ(j["models"][0]["pending_days"], 1);
  const double hit_rate = j["models"][0]["hit_rate"].get<double>();
  EXPECT_GT(hit_rate, 0.40);  // a weak model on daily data: near a coin flip, as the pipeline reported
  EXPECT_LT(hit_rate, 0.60);
  EXPECT_EQ(j["risk"]["limits"]["max_position"].get<double>(), 0.10);
  EXPECT_FALSE(j["risk"]["halted"].get<bool>());
  EXPECT_FALSE(j["controls_enabled"].get<bool>());
  // One cycle per replayed session, each timed; a simulated venue makes no broker requests.
  EXPECT_EQ(j["health"]["cycles"], days->size());
  EXPECT_EQ(j["health"]["failed_cycles"], 0);
  EXPECT_EQ(j["health"]["last_cycle"]["session"], days->back().date.to_string());
  EXPECT_EQ(j["health"]["last_cycle"]["result"], "ok");
  EXPECT_EQ(j["health"]["broker_requests"], 0);

  // Metrics: valid exposition with the journal's numbers.
  const auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const auto parsed = testing::parse_exposition(metrics->body);
  EXPECT_TRUE(parsed.problems.empty()) << ::testing::PrintToString(parsed.problems);
  for (const auto& [name, type] : parsed.types) EXPECT_TRUE(name.starts_with("kestrel_")) << name;
  EXPECT_EQ(parsed.samples.at("kestrel_equity_dollars"), days->back().equity);
  EXPECT_EQ(parsed.samples.at("kestrel_fills_total"), static_cast<double>(fills));
  EXPECT_EQ(parsed.samples.at("kestrel_sessions_total"), static_cast<double>(days->size()));
  EXPECT_EQ(parsed.samples.at("kestrel_positions"), static_cast<double>(positions->size()));
  EXPECT_EQ(parsed.samples.at("kestrel_halted"), 0);
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_count"), static_cast<double>(days->size()));
  EXPECT_EQ(parsed.samples.at("kestrel_cycle_duration_seconds_bucket{le=\"+Inf\"}"), static_cast<double>(days->size()));
  EXPECT_EQ(parsed.samples.at("kestrel_cycles_failed_total"), 0);
  EXPECT_EQ(parsed.samples.at("kestrel_model_hit_rate_ratio{model=\"logistic_regression\"}"), hit_rate);
  // Prometheus' own checker, when Debian's prometheus package is installed (install-deps does).
  if (std::filesystem::exists("/usr/bin/promtool")) {
    kestrel::testing::write_file(kestrel::testing::replayed_journal_dir() / "metrics.txt", metrics->body);
    const auto check = run_command("promtool check metrics < " + (kestrel::testing::replayed_journal_dir() / "metrics.txt").string());
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_EQ(check.output, "") << check.output;  // no lint warnings either
  }

  const auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body)["status"], "ok");
  const auto page = client.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("uPlot"), std::string::npos);
}

TEST(DashboardServer, ControlsNeedTheTokenAndTheTokenIsNeverLogged) {
  kestrel::testing::TempDir dir;
  const auto journal = dir / "journal.db";
  std::filesystem::copy_file(kestrel::testing::replayed_sample_journal(), journal);
  const std::string token = "tok-" + std::to_string(std::rand()) + "-secret";
  auto pending = [&]() {
    auto j = store::Journal::open_existing(journal.string());
    EXPECT_TRUE(j);
    const auto run = j->latest_run();
    const auto controls = j->pending_controls((*run)->run_id);
    std::vector<std::string> actions;
    for (const auto& c : *controls) actions.push_back(c.action);
    return actions;
  };
  {
    RunningServer s(journal.string(), token, false);
    ASSERT_TRUE(s.server);
    auto client = s.client();
    auto no_header = client.Post("/api/kill", "", "application/json");
    ASSERT_TRUE(no_header);
    EXPECT_EQ(no_header->status, 401);
    EXPECT_EQ(no_header->get_header_value("WWW-Authenticate"), "Bearer");
    const httplib::Headers wrong = {{"Authorization", "Bearer " + token + "x"}};
    EXPECT_EQ(client.Post("/api/kill", wrong, "{}", "application/json")->status, 401);
    const httplib::Headers basic = {{"Authorization", "Basic " + token}};
    EXPECT_EQ(client.Post("/api/kill", basic, "{}", "application/json")->status, 401);
    EXPECT_TRUE(pending().empty());

    const httplib::Headers right = {{"Authorization", "Bearer " + token}};
    EXPECT_EQ(client.Post("/api/kill", right, "{\"flatten\": 1}", "application/json")->status, 400);
    auto kill = client.Post("/api/kill", right, "{\"flatten\": true}", "application/json");
    ASSERT_TRUE(kill);
    EXPECT_EQ(kill->status, 202) << kill->body;
    EXPECT_EQ(json::parse(kill->body)["requested"], "kill_flatten");
    EXPECT_EQ(client.Post("/api/resume", right, "", "application/json")->status, 202);
    EXPECT_EQ(pending(), (std::vector<std::string>{"kill_flatten", "resume"}));
    // The status shows the waiting requests at once (the cache is dropped by a control).
    const json status = json::parse(client.Get("/api/status")->body);
    EXPECT_EQ(status["risk"]["pending_controls"], 2);
    EXPECT_TRUE(status["controls_enabled"].get<bool>());
    EXPECT_EQ(status.dump().find(token), std::string::npos);
    ASSERT_GE(s.log.size(), 3u);  // two refusals and two requests
    for (const auto& line : s.log) EXPECT_EQ(line.find(token), std::string::npos) << line;
  }
  {
    RunningServer s(journal.string(), "", false);  // no token: every control refused
    ASSERT_TRUE(s.server);
    auto client = s.client();
    const httplib::Headers any = {{"Authorization", "Bearer " + token}};
    const auto refused = client.Post("/api/kill", any, "{}", "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 403);
    EXPECT_NE(refused->body.find("KESTREL_DASHBOARD_TOKEN"), std::string::npos);
  }
  EXPECT_EQ(pending().size(), 2u);
}

TEST(DashboardServer, AlertsReachEmailAndSmsWhenTheNodeEngagesTheKillSwitch) {
  kestrel::testing::TempDir dir;
  const auto journal_path = dir / "journal.db";
  std::filesystem::copy_file(kestrel::testing::replayed_sample_journal(), journal_path);
  const std::string password = "smtp-secret-" + std::to_string(::getpid());
  const std::string sid = "AC00000000000000000000000000000001";
  const std::string twilio_token = "twilio-secret-" + std::to_string(::getpid());
  kestrel::testing::FakeSmtpServer smtp("alerts@example.com", password);
  kestrel::testing::FakeTwilio twilio(sid, twilio_token);
  alerts::AlertConfig config;
  config.email = alerts::SmtpSettings{.url = smtp.url(), .tls = alerts::SmtpSettings::Tls::None,
                                      .from = "alerts@example.com", .to = {"ops@example.com"},
                                      .username = "alerts@example.com", .password = password, .ca_file = {},
                                      .timeout_seconds = 10};
  config.sms = alerts::TwilioSettings{.url = twilio.url(), .account_sid = sid, .auth_token = twilio_token,
                                      .from = "+15005550006", .to = {"+15551230001"}};
  std::vector<std::string> log;
  std::mutex log_mutex;
  auto dispatcher = alerts::make_dispatcher(config, [&](const std::string& line) {
    std::lock_guard lock(log_mutex);
    log.push_back(line);
  });
  {
    RunningServer s(journal_path.string(), "", false, dispatcher.get());
    ASSERT_TRUE(s.server);
    // The node applies a kill request: it journals the decision (as trading_node.cpp does).
    auto journal = store::Journal::open_existing(journal_path.string());
    ASSERT_TRUE(journal);
    const auto run = *journal->latest_run();
    const auto extent = journal->extent(run->run_id);
    const auto days = journal->days(run->run_id);
    ASSERT_TRUE(journal->begin());
    ASSERT_TRUE(journal->put_decision(run->run_id, {.seq = extent->decisions + 1, .date = days->back().date,
                                                    .kind = "control:kill", .detail = "kill switch engaged (dashboard)"}));
    ASSERT_TRUE(journal->commit());
    for (int i = 0; i < 100 && (smtp.mails().empty() || twilio.messages().empty()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ASSERT_TRUE(dispatcher->wait_idle(std::chrono::seconds(10)));
  const auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);  // the server re-read the journal many times: one message
  EXPECT_NE(mails[0].data.find("Subject: [Kestrel critical] Kill switch engaged — dashboard-test\r\n"),
            std::string::npos) << mails[0].data;
  EXPECT_NE(mails[0].data.find("kill switch engaged (dashboard)"), std::string::npos);
  const auto sms = twilio.messages();
  ASSERT_EQ(sms.size(), 1u);
  EXPECT_EQ(sms[0].to, "+15551230001");
  EXPECT_EQ(sms[0].body.rfind("Kestrel critical: Kill switch engaged — dashboard-test", 0), 0u) << sms[0].body;
  // The secrets reached the services and nowhere else.
  std::lock_guard lock(log_mutex);
  ASSERT_GE(log.size(), 2u);
  for (const auto& line : log) {
    EXPECT_EQ(line.find(password), std::string::npos) << line;
    EXPECT_EQ(line.find(twilio_token), std::string::npos) << line;
  }
  EXPECT_EQ(mails[0].data.find(password), std::string::npos);
}

// What the dispatcher delivered, for tests that look at the alerts themselves.
struct RecordingChannel final : alerts::AlertChannel {
  std::shared_ptr<std::vector<alerts::Alert>> got = std::make_shared<std::vector<alerts::Alert>>();
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::string name() const override { return "recording"; }
  core::Status send(const alerts::Alert& alert) override {
    std::lock_guard lock(*mutex);
    got->push_back(alert);
    return {};
  }
};

TEST(DashboardServer, ALostBrokerStreamIsShownCountedAndAlertedAfterItsLimit) {
  kestrel::testing::TempDir dir;
  const auto journal_path = dir / "journal.db";
  std::filesystem::copy_file(kestrel::testing::replayed_sample_journal(), journal_path);
  std::string run_id;
  {
    auto journal = store::Journal::open(journal_path.string());
    ASSERT_TRUE(journal);
    run_id = (*journal->latest_run())->run_id;
    // As the node journals them; the server's clock reads 2020-01-01T00:00:00Z.
    for (const auto& link : std::vector<store::JournalBrokerLink>{
             {.at = "2019-12-31T20:00:00Z", .state = "connected", .detail = ""},
             {.at = "2019-12-31T21:00:00Z", .state = "disconnected", .detail = "read: Connection reset by peer"},
             {.at = "2019-12-31T21:01:00Z", .state = "connected", .detail = ""},
             {.at = "2019-12-31T23:50:00Z", .state = "disconnected", .detail = "connect: Connection refused"}}) {
      ASSERT_TRUE(journal->log_broker_link(run_id, link));
    }
  }
  RecordingChannel recording;
  std::vector<alerts::RoutedChannel> channels;
  channels.push_back({std::make_unique<RecordingChannel>(recording), alerts::Severity::Info});
  alerts::AlertDispatcher dispatcher(std::move(channels), {}, [](const std::string&) {});
  RunningServer s(journal_path.string(), "", false, &dispatcher);
  ASSERT_TRUE(s.server);
  auto client = s.client();
  const auto res = client.Get("/api/status");
  ASSERT_TRUE(res);
  const json link = json::parse(res->body)["health"]["broker_link"];
  EXPECT_EQ(link["state"], "disconnected");
  EXPECT_EQ(link["since"], "2019-12-31T23:50:00Z");
  EXPECT_EQ(link["detail"], "connect: Connection refused");
  EXPECT_EQ(json::parse(res->body)["health"]["stream_disconnects"], 2);
  const auto parsed = testing::parse_exposition(client.Get("/metrics")->body);
  EXPECT_TRUE(parsed.problems.empty()) << ::testing::PrintToString(parsed.problems);
  EXPECT_EQ(parsed.samples.at("kestrel_broker_stream_connected"), 0);
  EXPECT_EQ(parsed.samples.at("kestrel_broker_stream_disconnects_total"), 2);
  // Down for 10 minutes, past the default 5: one critical alert, however often the journal is read.
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard lock(*recording.mutex);
      if (!recording.got->empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // a few more reads
  ASSERT_TRUE(dispatcher.wait_idle(std::chrono::seconds(10)));
  std::lock_guard lock(*recording.mutex);
  ASSERT_EQ(recording.got->size(), 1u);
  EXPECT_EQ(recording.got->front().key, "broker_down:" + run_id);
  EXPECT_EQ(recording.got->front().severity, alerts::Severity::Critical);
  EXPECT_NE(recording.got->front().body.find("connect: Connection refused"), std::string::npos);
}

TEST(DashboardServer, AJournalWithoutARunIsShownAsWaitingAndAMissingOneIsRefused) {
  kestrel::testing::TempDir dir;
  {
    auto fresh = store::Journal::open((dir / "fresh.db").string(), store::Journal::Durability::Normal);
    ASSERT_TRUE(fresh) << fresh.error().message;
  }
  RunningServer s((dir / "fresh.db").string(), "", false);
  ASSERT_TRUE(s.server);
  auto client = s.client();
  const auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_NE(health->body.find("no trading run"), std::string::npos) << health->body;

  ServerOptions o;
  o.port = 0;
  o.journal = (dir / "missing.db").string();
  core::SimClock clock;
  o.clock = &clock;
  const auto missing = DashboardServer::open(o);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("missing.db: no such journal"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

}  // namespace
}  // namespace kestrel::server
