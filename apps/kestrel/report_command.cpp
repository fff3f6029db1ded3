// `kestrel report daily|weekly|monthly`: the plan's trading reports of a run, as HTML and PDF
// (src/reports/trading_report.hpp).
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "backtest/config.hpp"
#include "cli_support.hpp"
#include "run_sources.hpp"
#include "live/live_clock.hpp"
#include "reports/trading_report.hpp"
#include "store/journal.hpp"

namespace kestrel::app {
namespace {

struct ReportArgs {
  std::string config, db, data, run_id, date, out = "reports";
  bool no_pdf = false;
};

void report(const GlobalOptions& global, const ReportArgs& args, reports::ReportPeriod period) {
  const auto sources =
      resolve_run_sources(args.config.empty() ? global.config_path : args.config, args.db, args.data, "report");
  std::optional<store::Panel> market;
  if (sources.market) market = value_or_fail(backtest::load_panel(*sources.market));
  auto journal = value_or_fail(store::Journal::open_existing(sources.journal));
  reports::TradingReportOptions options;
  options.period = period;
  options.run_id = args.run_id;
  options.market = market ? &*market : nullptr;
  options.pdf = !args.no_pdf;
  options.now_ns = live::LiveClock{}.now();
  if (!args.date.empty()) {
    options.date = core::Date::parse(args.date);
    if (!options.date) throw CommandFailed{fmt::format("report: --date {} is not a date (YYYY-MM-DD)", args.date)};
  }
  const auto files = value_or_fail(reports::write_trading_report(journal, options, args.out));
  fmt::print("{} report for {} to {}: {}{}\n", reports::to_string(period), files.from.to_string(), files.to.to_string(),
             files.html.string(), files.pdf.empty() ? "" : ", " + files.pdf.string());
}

}  // namespace

void add_report_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* group = app.add_subcommand(
      "report", "Trading reports of a run from its journal, as HTML and PDF (docs/operations.md): daily (the session's "
                "P&L, positions, trades, predictions against what happened, health), weekly (P&L, accuracy, best and "
                "worst trades, sectors, models), monthly (risk-adjusted returns against SPY and QQQ, heatmap).");
  group->require_subcommand(1);
  for (const auto period : {reports::ReportPeriod::Daily, reports::ReportPeriod::Weekly, reports::ReportPeriod::Monthly}) {
    const std::string name(reports::to_string(period));
    CLI::App* cmd = group->add_subcommand(name, fmt::format("The {} report", name));
    cmd->add_option("--config", args->config, "The node's trading configuration: its journal and market data")
        ->check(CLI::ExistingFile);
    cmd->add_option("--db", args->db, "The journal: a SQLite file or a postgresql:// URL (default: the config's)");
    cmd->add_option("--data", args->data, "The market-data store (default: the config's data; without either, "
                                          "predictions vs actual, sectors and QQQ are left out)");
    cmd->add_option("--run", args->run_id, "A run id (default: the newest run)");
    cmd->add_option("--date", args->date, "The report's last session, YYYY-MM-DD (default: the run's last)");
    cmd->add_option("--out", args->out, "Folder for the HTML and PDF (default: reports)");
    cmd->add_flag("--no-pdf", args->no_pdf, "Write the HTML only");
    cmd->callback([&global, args, period] { report(global, *args, period); });
  }
}

}  // namespace kestrel::app
