#pragma once
// Daily returns compounded per calendar month and per year (empyrical's aggregate_returns),
// for the report's monthly heatmap. NaN days count as flat.
#include <span>
#include <vector>

#include "core/date.hpp"

namespace kestrel::analysis {

struct PeriodReturn {
  int year = 0;
  unsigned month = 0;  // 1-12; 0 for a whole year
  double value = 0;    // prod(1 + r) - 1 over the period's days
};

// `dates[i]` is the day of `returns[i]`; dates ascending. Periods in date order.
std::vector<PeriodReturn> monthly_returns(std::span<const core::Date> dates,
                                          std::span<const double> returns);
std::vector<PeriodReturn> yearly_returns(std::span<const core::Date> dates,
                                         std::span<const double> returns);

}  // namespace kestrel::analysis
