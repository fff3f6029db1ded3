#pragma once
// JSON form of the statistics and of a run's identity, as written to the report's
// stats.json (and reusable by sweeps). NaN — an undefined statistic — is written as null.
#include <nlohmann/json.hpp>

#include "analysis/backtest_record.hpp"
#include "analysis/performance_stats.hpp"

namespace kestrel::analysis {

nlohmann::json to_json(const PerformanceStats& stats);
// name, benchmark, seed, config hash and the config text itself.
nlohmann::json run_metadata_json(const BacktestRecord& record);

}  // namespace kestrel::analysis
