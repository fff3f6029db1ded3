#include "analysis/period_returns.hpp"

#include <cassert>
#include <cmath>

namespace kestrel::analysis {
namespace {

std::vector<PeriodReturn> compound_by(std::span<const core::Date> dates,
                                      std::span<const double> returns, bool by_month) {
  assert(dates.size() == returns.size());
  std::vector<PeriodReturn> out;
  double wealth = 1.0;
  for (std::size_t i = 0; i < dates.size(); ++i) {
    const int year = dates[i].year();
    const unsigned month = by_month ? dates[i].month() : 0;
    if (out.empty() || out.back().year != year || out.back().month != month) {
      if (!out.empty()) out.back().value = wealth - 1.0;
      out.push_back({year, month, 0.0});
      wealth = 1.0;
    }
    if (!std::isnan(returns[i])) wealth *= 1.0 + returns[i];
  }
  if (!out.empty()) out.back().value = wealth - 1.0;
  return out;
}

}  // namespace

std::vector<PeriodReturn> monthly_returns(std::span<const core::Date> dates,
                                          std::span<const double> returns) {
  return compound_by(dates, returns, true);
}

std::vector<PeriodReturn> yearly_returns(std::span<const core::Date> dates,
                                         std::span<const double> returns) {
  return compound_by(dates, returns, false);
}

}  // namespace kestrel::analysis
