#pragma once
// A realistic BacktestRecord for report tests, made without the backtest engine: a 50-day
// moving-average trend rule on three stocks of data/sample (equal thirds, decided at the
// close, filled at the next open, per-share commission), with SPY as the benchmark.
#include <filesystem>

#include "analysis/backtest_record.hpp"
#include "core/error.hpp"

namespace kestrel::testing {

core::Result<analysis::BacktestRecord> synthetic_record(const std::filesystem::path& sample_dir);

}  // namespace kestrel::testing
