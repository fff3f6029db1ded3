#pragma once
// The monthly-returns heatmap (years × months, cells coloured by the month's return, a year
// column) as an HTML table, for the backtest report and the trading reports. Styled by the
// .heatmap rules of each page's style sheet.
#include <span>
#include <string>

#include "core/date.hpp"

namespace kestrel::analysis {

// `dates[i]` is the day of `returns[i]` (daily simple returns), ascending.
std::string monthly_heatmap_html(std::span<const core::Date> dates, std::span<const double> returns);

}  // namespace kestrel::analysis
