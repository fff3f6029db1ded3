// `kestrel trade`: the trading node (run, replay) and its controls (status, kill, resume).
// See docs/trading.md.
#include <csignal>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adapters/api_key.hpp"
#include "analysis/performance_stats.hpp"
#include "analysis/report.hpp"
#include "backtest/config.hpp"
#include "cli_support.hpp"
#include "core/date.hpp"
#include "live/live_clock.hpp"
#include "live/json_lines_log.hpp"
#include "live/node_status.hpp"
#include "live/trading_node.hpp"
#include "store/journal_database.hpp"

namespace kestrel::app {
namespace {

struct TradeArgs {
  std::string config;
  std::string db;
  std::string from, to;
  std::string out;
  std::string run_id;
  bool flatten = false;
  bool exit_when_idle = false;
  bool live = false;
  std::size_t crash_after = 0;
  std::size_t crash_after_sends = 0;
  std::string log_file;
  std::size_t log_max_mb = 10;
  int log_keep = 5;
};

// What the node's JSON log must never contain: the secrets this process can see — the
// environment's keys and tokens, the Alpaca key file's values, a password in the journal's URL.
std::vector<std::string> secrets_of(const backtest::BacktestConfig& config, const std::string& journal) {
  std::vector<std::string> secrets;
  for (const char* name : {"APCA_API_KEY_ID", "APCA_API_SECRET_KEY", "PGPASSWORD", "KESTREL_DASHBOARD_TOKEN",
                           "KESTREL_SMTP_PASSWORD", "TWILIO_AUTH_TOKEN", "KESTREL_WEBHOOK_TOKEN"}) {
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') secrets.emplace_back(v);
  }
  if (!config.node.alpaca_key_file.empty()) {
    if (auto keys = adapters::resolve_alpaca_keys(nullptr, nullptr, config.node.alpaca_key_file)) {
      secrets.push_back(keys->key_id);
      secrets.push_back(keys->secret_key);
    }
  }
  for (const auto& p : store::url_passwords(journal)) secrets.push_back(journal.substr(p.begin, p.end - p.begin));
  return secrets;
}

core::Date parse_date_flag(const std::string& flag, const std::string& text) {
  auto d = core::Date::parse(text);
  if (!d) throw CommandFailed{fmt::format("{} '{}': not a date (YYYY-MM-DD)", flag, text)};
  return *d;
}

std::string config_path_of(const GlobalOptions& global, const TradeArgs& args, bool required) {
  const std::string path = args.config.empty() ? global.config_path : args.config;
  if (path.empty() && required) throw CommandFailed{"trade: --config FILE.toml is required"};
  return path;
}

// The journal: --db, else node.journal of the config, else its data.db, else the default store.
std::string journal_path(const GlobalOptions& global, const TradeArgs& args, const backtest::BacktestConfig* config) {
  if (!args.db.empty()) return args.db;
  if (config != nullptr && !config->node.journal.empty()) return config->node.journal;
  if (config != nullptr && !config->data.db.empty()) return config->data.db.string();
  GlobalOptions with_config = global;
  if (with_config.config_path.empty()) with_config.config_path = args.config;
  return resolve_db(with_config, "").string();
}

void print_summary(const live::NodeSummary& s, const std::string& journal) {
  const double change = s.initial_cash > 0 ? 100.0 * (s.equity / s.initial_cash - 1.0) : 0.0;
  fmt::print("run {}{}: {} .. {}, {} sessions{}; final equity {:.2f} ({:+.2f}% on {:.2f}); {} orders, {} filled{}\n",
             s.run_id, s.resumed ? " (resumed)" : "", s.first.to_string(), s.last.to_string(), s.sessions,
             s.rederived > 0 ? fmt::format(" ({} re-run from the journal)", s.rederived) : "", s.equity, change,
             s.initial_cash, s.orders, s.fills, s.halted ? "; HALTED (kill switch)" : "");
  fmt::print("journal: {}\n", store::redacted_location(journal));
  for (const auto& flag : s.record.flags) fmt::print("FLAGGED: {}\n", flag);
}

void run_node(const GlobalOptions& global, const TradeArgs& args, live::NodeMode mode) {
  const auto config = value_or_fail(backtest::read_backtest_config(config_path_of(global, args, true)));
  live::NodeOptions options;
  options.mode = mode;
  options.journal = journal_path(global, args, &config);
  if (!args.from.empty()) options.from = parse_date_flag("--from", args.from);
  if (!args.to.empty()) options.to = parse_date_flag("--to", args.to);
  options.exit_when_idle = args.exit_when_idle;
  options.live_confirmed = args.live;
  if (args.crash_after > 0) options.crash_after_commits = args.crash_after;
  if (args.crash_after_sends > 0) options.crash_after_sends = args.crash_after_sends;
  const live::LiveClock wall;
  std::unique_ptr<live::JsonLinesLog> json_log;
  if (!args.log_file.empty()) {
    json_log = value_or_fail(live::JsonLinesLog::open(
        {.path = args.log_file, .max_bytes = args.log_max_mb << 20, .keep = args.log_keep,
         .secrets = secrets_of(config, options.journal)},
        wall));
  }
  const nlohmann::json context = {{"component", "node"}, {"config", config.name}, {"mode", to_string(mode)}};
  options.log = [quiet = global.quiet, &json_log, &context](const std::string& line) {
    if (json_log) json_log->write("info", line, context);
    if (quiet) return;
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  auto fail = [&](const core::Error& e) {
    if (json_log) json_log->write("error", e.message, context);
    throw CommandFailed{e.message};
  };
  auto opened = live::TradingNode::open(config, options);
  if (!opened) fail(opened.error());
  auto node = std::move(*opened);
  auto ran = node->run();
  if (!ran) fail(ran.error());
  auto summary = std::move(*ran);
  if (!args.out.empty()) {
    auto stats = value_or_fail(analysis::compute_performance_stats(summary.record));
    value_or_fail(analysis::write_backtest_report(summary.record, stats, args.out));
    fmt::print("report: {}\n", (std::filesystem::path(args.out) / "report.html").string());
  }
  print_summary(summary, options.journal);
}

void print_status(const GlobalOptions& global, const TradeArgs& args) {
  std::optional<backtest::BacktestConfig> config;
  if (const auto path = config_path_of(global, args, false); !path.empty()) {
    config = value_or_fail(backtest::read_backtest_config(path));
  }
  const auto path = journal_path(global, args, config ? &*config : nullptr);
  auto journal = value_or_fail(store::Journal::open_existing(path));
  const auto s = value_or_fail(live::read_status(journal, args.run_id));
  fmt::print("run {} ({}, {}), {} .. {}, {} sessions{}\n", s.run.run_id, s.run.mode, s.run.name,
             s.run.first_date.to_string(), s.today ? s.today->date.to_string() : "-", s.sessions,
             s.run.finished ? ", finished" : "");
  if (s.today) {
    const double prior = s.yesterday ? s.yesterday->equity : s.initial_equity;
    const double pnl = s.today->equity - prior;
    fmt::print("equity {:.2f} on {} (cash {:.2f}); day P&L {:+.2f} ({:+.2f}%); drawdown from peak {:.2f}: {:.2f}%\n",
               s.today->equity, s.today->date.to_string(), s.today->cash, pnl, prior > 0 ? 100.0 * pnl / prior : 0.0,
               s.peak_equity, s.peak_equity > 0 ? 100.0 * (s.today->equity / s.peak_equity - 1.0) : 0.0);
  } else {
    fmt::print("no session journaled yet\n");
  }
  fmt::print("risk: {}\n", s.halted ? "HALTED — " + s.halt_reason + " (kestrel trade resume lifts it)" : "trading");
  if (s.pending_controls > 0) fmt::print("controls waiting for the node: {}\n", s.pending_controls);
  fmt::print("positions ({}):\n", s.positions.size());
  for (const auto& p : s.positions) {
    fmt::print("  {:<6} {:>8.0f} sh  avg {:>9.2f}  last {:>9.2f}  value {:>11.2f}  P&L {:>+10.2f} ({:+.2f}%)  since {}{}\n",
               p.ticker, p.quantity, p.average_cost, p.last_price, p.market_value, p.unrealized,
               p.average_cost != 0 ? 100.0 * (p.last_price / p.average_cost - 1.0) * (p.quantity < 0 ? -1 : 1) : 0.0,
               p.entry_date.to_string(), p.stop_level > 0 ? fmt::format("  stop {:.2f}", p.stop_level) : "");
  }
  fmt::print("open orders ({}):\n", s.open_orders.size());
  for (const auto& o : s.open_orders) {
    fmt::print("  {:<18} {:<6} {:<4} {:<6} {:>7.0f} sh{}{}  {} ({})\n", o.client_order_id, o.ticker, o.side, o.type,
               o.quantity, o.limit_price > 0 ? fmt::format(" limit {:.2f}", o.limit_price) : "",
               o.stop_price > 0 ? fmt::format(" stop {:.2f}", o.stop_price) : "", o.status, o.tag);
  }
  if (!s.recent_risk_events.empty()) {
    fmt::print("recent risk events:\n");
    for (const auto& d : s.recent_risk_events) fmt::print("  {} {} {}\n", d.date.to_string(), d.kind, d.detail);
  }
}

void request(const GlobalOptions& global, const TradeArgs& args, const std::string& action) {
  std::optional<backtest::BacktestConfig> config;
  if (const auto path = config_path_of(global, args, false); !path.empty()) {
    config = value_or_fail(backtest::read_backtest_config(path));
  }
  const auto path = journal_path(global, args, config ? &*config : nullptr);
  auto journal = value_or_fail(store::Journal::open_existing(path));
  const auto run = value_or_fail(args.run_id.empty() ? journal.latest_run() : journal.run(args.run_id));
  if (!run) throw CommandFailed{fmt::format("{}: no trading run to {}", journal.name(), action)};
  const live::LiveClock wall;
  check(journal.request_control(run->run_id, action, live::iso_time(wall.now())));
  fmt::print("{} requested for run {}: the node applies it at its next check{}\n", action, run->run_id,
             run->finished ? " (this run has finished: a node that resumes it will apply it)" : "");
}

}  // namespace

CLI::App& add_trade_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<TradeArgs>();
  CLI::App* trade = app.add_subcommand(
      "trade", "Run a strategy as a trading node (paper trading on the simulated venue, or a replay of past days) "
               "and control it. See docs/trading.md.");
  trade->require_subcommand(1);
  auto add_common = [&](CLI::App* cmd, bool needs_config) {
    cmd->add_option("--config", args->config,
                    needs_config ? "Trading configuration (TOML; a backtest config with a [node] table)"
                                 : "Trading configuration (to find its journal)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--db", args->db, "The journal: a SQLite file or a postgresql:// URL; default: node.journal or data.db of the config");
  };

  CLI::App* run = trade->add_subcommand(
      "run", "Trade the config's strategy on the NYSE calendar: after each close import new bars (node.drop_dir), "
             "score, decide, and send the orders for the next session — to the simulated venue (node.execution = "
             "\"sim\") or to Alpaca (\"alpaca-paper\", \"alpaca-live\"); journal everything. Runs until stopped; a "
             "restart continues from the journal and reconciles with the broker before it trades.");
  add_common(run, true);
  run->add_flag("--exit-when-idle", args->exit_when_idle, "Stop when no session is ready instead of waiting for one");
  run->add_option("--crash-after-commits", args->crash_after, "Test hook: SIGKILL after this many journal commits")
      ->group("");
  run->add_option("--crash-after-sends", args->crash_after_sends,
                  "Test hook: SIGKILL right after this many orders were sent to the broker")
      ->group("");
  run->add_flag("--live", args->live,
                "Trade real money: required, with mode = \"live\" and node.execution = \"alpaca-live\" in the config");
  auto add_log_options = [&](CLI::App* cmd) {
    cmd->add_option("--log-file", args->log_file,
                    "Also write the node's log as JSON lines here (rotated by size; secrets replaced by ***)");
    cmd->add_option("--log-max-mb", args->log_max_mb, "Rotate the JSON log at this size (default 10 MB)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--log-keep", args->log_keep, "Rotated JSON logs kept (default 5)")->check(CLI::Range(1, 100));
  };
  add_log_options(run);
  run->callback([&global, args] { run_node(global, *args, live::NodeMode::Paper); });

  CLI::App* replay = trade->add_subcommand(
      "replay", "Run the node over past sessions with a simulated clock, as fast as the machine allows: the same "
                "orders, fills and equity as `kestrel backtest` of the config. Prints the final equity.");
  add_common(replay, true);
  replay->add_option("--from", args->from, "First session (YYYY-MM-DD; default data.start)");
  replay->add_option("--to", args->to, "Last session (YYYY-MM-DD; default data.end)");
  replay->add_option("--out", args->out, "Also write the backtest report of the run (report.html, CSVs) here");
  replay->add_option("--crash-after-commits", args->crash_after,
                     "Test hook: kill the process (SIGKILL) after this many journal commits")
      ->group("");
  add_log_options(replay);
  replay->callback([&global, args] { run_node(global, *args, live::NodeMode::Replay); });

  CLI::App* status = trade->add_subcommand(
      "status", "Show the newest run in the journal: equity and today's P&L, drawdown, positions, open orders and the "
                "risk state.");
  add_common(status, false);
  status->add_option("--run", args->run_id, "A run id (default: the newest run)");
  status->callback([&global, args] { print_status(global, *args); });

  CLI::App* kill = trade->add_subcommand(
      "kill", "Engage the kill switch of the newest run: the node cancels every open order, optionally flattens every "
              "position at the next open, and stays halted — across restarts — until `kestrel trade resume`.");
  add_common(kill, false);
  kill->add_flag("--flatten", args->flatten, "Also close every position at the next open");
  kill->add_option("--run", args->run_id, "A run id (default: the newest run)");
  kill->callback([&global, args] { request(global, *args, args->flatten ? "kill_flatten" : "kill"); });

  CLI::App* resume = trade->add_subcommand(
      "resume", "Lift the kill switch (or the drawdown halt) of the newest run. Refused while the kill file exists.");
  add_common(resume, false);
  resume->add_option("--run", args->run_id, "A run id (default: the newest run)");
  resume->callback([&global, args] { request(global, *args, "resume"); });

  CLI::App* adopt = trade->add_subcommand(
      "adopt", "After a reconciliation halt you have looked into: at its next start the node books the broker's "
               "positions and cash as its own (journaled as reconcile:adopt) and lifts that halt.");
  add_common(adopt, false);
  adopt->add_option("--run", args->run_id, "A run id (default: the newest run)");
  adopt->callback([&global, args] { request(global, *args, "adopt"); });
  return *trade;
}

}  // namespace kestrel::app
