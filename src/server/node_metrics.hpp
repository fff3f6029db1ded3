#pragma once
// A dashboard snapshot as Prometheus metrics (names start with kestrel_; units in the names,
// as Prometheus' naming guide asks: _dollars, _ratio, _seconds, _total for counters).
#include <string>

#include "server/dashboard_snapshot.hpp"

namespace kestrel::server {

std::string node_metrics(const DashboardSnapshot& snapshot);

}  // namespace kestrel::server
