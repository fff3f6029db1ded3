#pragma once
// The plan's daily, weekly and monthly reports of a trading run, from its journal (and the
// run's market data when given), as one self-contained HTML page each — charts as inline SVG,
// so the page prints to PDF as written — and the PDF of it (analysis/pdf_printer.hpp).
//
//   daily    the session's P&L, positions, trades closed, predictions against what happened,
//            risk events, system health
//   weekly   the week's P&L against the benchmarks, accuracy, best and worst trades, sector
//            performance, per-model breakdown
//   monthly  returns, absolute and risk-adjusted (Sharpe, Sortino, Calmar), drawdown, win rate,
//            profit factor, against SPY and QQQ (said when missing), the monthly-returns heatmap
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/journal.hpp"
#include "store/panel.hpp"

namespace kestrel::reports {

enum class ReportPeriod { Daily, Weekly, Monthly };
std::string_view to_string(ReportPeriod period);

struct TradingReportOptions {
  ReportPeriod period = ReportPeriod::Daily;
  std::optional<core::Date> date;        // the report's last session (default: the run's last)
  std::string run_id;                    // empty: the newest run
  const store::Panel* market = nullptr;  // the run's market data: predictions vs actual, sectors, QQQ
  bool pdf = true;
  std::int64_t now_ns = 0;               // the wall clock, for "generated at" and data freshness
};

struct TradingReportFiles {
  std::filesystem::path html, pdf;  // pdf empty when not asked for
  core::Date from{}, to{};          // the sessions the report covers
};

// OUT_DIR/<period>-<date><extension>: where a report is written.
std::filesystem::path trading_report_file(const std::filesystem::path& out_dir, ReportPeriod period, core::Date date,
                                          std::string_view extension);

// Writes OUT_DIR/<period>-<date>.html (and .pdf). A run without sessions up to the date is an
// error that says which sessions the run has.
core::Result<TradingReportFiles> write_trading_report(store::Journal& journal, const TradingReportOptions& options,
                                                      const std::filesystem::path& out_dir);

}  // namespace kestrel::reports
