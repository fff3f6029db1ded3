#pragma once
// The risk section of stats.json ("risk": {...}); NaN becomes null.
#include <nlohmann/json.hpp>

#include "analysis/risk_summary.hpp"

namespace kestrel::analysis {

nlohmann::json to_json(const RiskSummary& risk);

}  // namespace kestrel::analysis
