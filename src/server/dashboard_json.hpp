#pragma once
// A dashboard snapshot as the JSON the page reads (GET /api/status): dates as YYYY-MM-DD,
// money in dollars, fractions as fractions (the page formats them); NaN is written as null.
#include <nlohmann/json.hpp>

#include "server/dashboard_snapshot.hpp"

namespace kestrel::server {

nlohmann::json to_json(const DashboardSnapshot& snapshot);

}  // namespace kestrel::server
