// `kestrel serve`: the dashboard, /metrics and /health of a trading run, read from its journal
// while the node runs in its own process (src/server/dashboard_server.hpp).
#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/api_key.hpp"
#include "adapters/http_client.hpp"
#include "adapters/url.hpp"
#include "alerts/alert_config.hpp"
#include "backtest/config.hpp"
#include "cli_support.hpp"
#include "run_sources.hpp"
#include "live/live_clock.hpp"
#include "reports/report_schedule.hpp"
#include "server/dashboard_server.hpp"

namespace kestrel::app {
namespace {

struct ServeArgs {
  std::string config, db, data, run_id, host = "127.0.0.1", token_file, alerts;
  int port = 8080;
  double refresh = 1.0;
};

void serve(const GlobalOptions& global, const ServeArgs& args) {
  server::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.run_id = args.run_id;
  options.refresh_seconds = args.refresh;
  auto sources = resolve_run_sources(args.config.empty() ? global.config_path : args.config, args.db, args.data, "serve");
  options.journal = std::move(sources.journal);
  options.market = std::move(sources.market);

  const char* env_token = std::getenv("KESTREL_DASHBOARD_TOKEN");
  if (!args.token_file.empty() || (env_token != nullptr && *env_token != '\0')) {
    options.token = value_or_fail(adapters::resolve_api_key(
        args.token_file.empty() ? std::nullopt : std::optional<std::filesystem::path>(args.token_file), env_token,
        "KESTREL_DASHBOARD_TOKEN"));
  }
  const live::LiveClock clock;
  options.clock = &clock;
  options.log = [&clock](const std::string& line) {
    fmt::print("{} {}\n", live::iso_time(clock.now()), line);
    std::fflush(stdout);
  };

  std::unique_ptr<alerts::AlertDispatcher> dispatcher;
  std::unique_ptr<reports::ReportSchedule> schedule;
  std::string schedule_note;
  if (!args.alerts.empty()) {
    const auto alert_config = value_or_fail(alerts::read_alert_config(args.alerts, [](const char* name) {
      return static_cast<const char*>(std::getenv(name));
    }));
    dispatcher = alerts::make_dispatcher(alert_config, options.log);
    options.alerts = dispatcher.get();
    options.node_silent_minutes = alert_config.node_silent_minutes;
    options.broker_down_minutes = alert_config.broker_down_minutes;
    if (const auto& r = alert_config.reports) {
      reports::ReportScheduleOptions so{.out_dir = r->out_dir, .periods = {}, .pdf = r->pdf, .journal = options.journal,
                                        .market = options.market, .email = std::nullopt, .alerts = dispatcher.get(),
                                        .clock = &clock, .log = options.log};
      for (const auto& p : r->periods) {
        so.periods.push_back(p == "daily" ? reports::ReportPeriod::Daily
                             : p == "weekly" ? reports::ReportPeriod::Weekly
                                             : reports::ReportPeriod::Monthly);
      }
      if (r->email) so.email = alert_config.email;
      schedule_note = fmt::format("scheduled reports: {} after each closed session, into {}{}\n", fmt::join(r->periods, ", "),
                                  r->out_dir.string(), r->email ? ", emailed" : "");
      schedule = std::make_unique<reports::ReportSchedule>(std::move(so));
      options.on_snapshot = [s = schedule.get()](const server::DashboardSnapshot& snapshot) {
        if (snapshot.today) s->notice(snapshot.run.run_id, snapshot.run.name, snapshot.today->date);
      };
    }
  }

  // SIGINT and SIGTERM stop the server cleanly. They are blocked in every thread (the server's
  // threads inherit the mask) and taken by one thread with sigwait, which may call anything —
  // a signal handler could not safely lock the server's mutexes.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // Shared with the signal thread, which may outlive this function (it waits until the process ends).
  std::shared_ptr<server::DashboardServer> server = value_or_fail(server::DashboardServer::open(options));
  std::thread([server, stop_signals] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    server->stop();
  }).detach();
  fmt::print("serving {} on http://{}:{}/ (/metrics, /health){}\n", store::redacted_location(options.journal),
             args.host, server->port(),
             options.token.empty() ? "; controls are off (no KESTREL_DASHBOARD_TOKEN or --token-file)" : "");
  if (dispatcher) fmt::print("alerts: {} channel(s) from {}\n", dispatcher->channel_count(), args.alerts);
  fmt::print("{}", schedule_note);
  if (!options.market) {
    fmt::print("no market data given (--config or --data): predictions vs actual, sectors, QQQ and data freshness "
               "are not shown\n");
  }
  std::fflush(stdout);
  check(server->run());
}

// `kestrel health`: exit 0 when a server's /health answers 200 (for container HEALTHCHECKs and
// systemd timers, which have no HTTP client of their own in a slim image).
void check_health(const std::string& url) {
  auto base = adapters::parse_base_url(url);  // the URL's path becomes the prefix of every request
  if (!base) throw CommandFailed{"health: " + base.error().message};
  adapters::HttpClient client(*base, adapters::HttpTimeouts{.connect = std::chrono::seconds(3),
                                                            .read = std::chrono::seconds(5),
                                                            .total = std::chrono::seconds(10)});
  const auto reply = client.get(base->path_prefix.empty() ? "/health" : "");
  if (!reply) throw CommandFailed{"health: " + reply.error().message};
  fmt::print("{} {}\n", reply->status, reply->body);
  if (reply->status != 200) throw CommandFailed{fmt::format("health: {} answered {}", url, reply->status)};
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Serve the dashboard of a trading run (its journal) with Prometheus metrics at /metrics and a health "
               "check at /health. The kill switch and resume need a bearer token (KESTREL_DASHBOARD_TOKEN or "
               "--token-file). See docs/operations.md.");
  cmd->add_option("--config", args->config, "The node's trading configuration: its journal and market data")
      ->check(CLI::ExistingFile);
  cmd->add_option("--db", args->db, "The journal: a SQLite file or a postgresql:// URL (default: the config's)");
  cmd->add_option("--data", args->data, "The market-data store the run trades (default: the config's data.db)");
  cmd->add_option("--run", args->run_id, "A run id (default: the newest run)");
  cmd->add_option("--host", args->host, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--port", args->port, "Port (default 8080; 0: any free port, printed)")->check(CLI::Range(0, 65535));
  cmd->add_option("--token-file", args->token_file,
                  "A file (outside the repository) whose first line is the bearer token for the kill switch and "
                  "resume; KESTREL_DASHBOARD_TOKEN is read when no file is given")
      ->check(CLI::ExistingFile);
  cmd->add_option("--alerts", args->alerts,
                  "Send alerts (email, SMS, webhook) for kill switch, halts, rejections, restarts, stale data, a "
                  "lost broker stream and a silent node, and make (and email) the daily, weekly and monthly reports "
                  "after each closed session, as configured in this TOML file (docs/operations.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--refresh", args->refresh, "Seconds between re-reads of the journal (default 1)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->callback([&global, args] { serve(global, *args); });

  auto url = std::make_shared<std::string>("http://127.0.0.1:8080/health");
  CLI::App* health = app.add_subcommand(
      "health", "Ask a running `kestrel serve` for its health: exit 0 when /health answers 200 (the journal can be "
                "read and has a run), 1 otherwise. For container HEALTHCHECKs and systemd timers.");
  health->add_option("--url", *url, "The health endpoint (default http://127.0.0.1:8080/health)");
  health->callback([url] { check_health(*url); });
}

}  // namespace kestrel::app
