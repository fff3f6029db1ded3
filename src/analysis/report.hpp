#pragma once
// Writes everything a finished backtest reports into one folder:
//   report.html  self-contained page (charts, heatmap, statistics, trades, run metadata)
//   stats.json   {"run": {...}, "statistics": {...}, "risk": {...}} (stats_json.hpp,
//                risk_summary_json.hpp; NaN as null; "risk" when the record has it)
//   equity.csv, trades.csv, orders.csv (report_csv.hpp)
// The folder is created if needed; existing files of these names are replaced.
#include <filesystem>

#include "analysis/backtest_record.hpp"
#include "analysis/performance_stats.hpp"
#include "core/error.hpp"

namespace kestrel::analysis {

struct ReportFiles {
  std::filesystem::path html;
  std::filesystem::path json;
  std::filesystem::path equity_csv;
  std::filesystem::path trades_csv;
  std::filesystem::path orders_csv;
};

core::Result<ReportFiles> write_backtest_report(const BacktestRecord& record,
                                                const PerformanceStats& stats,
                                                const std::filesystem::path& out_dir);

}  // namespace kestrel::analysis
