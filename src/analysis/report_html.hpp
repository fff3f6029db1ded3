#pragma once
// The self-contained HTML page of a backtest report: equity against the benchmark,
// drawdown, rolling Sharpe and exposure charts (uPlot, inlined), a monthly-returns heatmap,
// the statistics, the trades and the run's metadata. No network is needed to view it, and
// the page holds no wall-clock time, so a rerun of the same backtest writes the same bytes.
#include <string>

#include "analysis/backtest_record.hpp"
#include "analysis/performance_stats.hpp"

namespace kestrel::analysis {

inline constexpr std::size_t kRollingSharpeWindow = 126;  // about six months of trading days

std::string backtest_report_html(const BacktestRecord& record, const PerformanceStats& stats);

}  // namespace kestrel::analysis
