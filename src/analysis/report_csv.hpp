#pragma once
// The CSV files of a backtest report: one row per trading day, per closed trade and per
// order, with a header line. Numbers are written in their shortest exact form; an undefined
// value (NaN) is an empty field.
#include <string>

#include "analysis/backtest_record.hpp"

namespace kestrel::analysis {

// date,equity,cash,gross_exposure,net_exposure,benchmark,positions,return,benchmark_return,
// drawdown — return and drawdown as in performance_stats.hpp/drawdown.hpp.
std::string equity_csv(const BacktestRecord& record);
std::string trades_csv(const BacktestRecord& record);
std::string orders_csv(const BacktestRecord& record);

}  // namespace kestrel::analysis
