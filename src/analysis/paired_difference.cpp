#include "analysis/paired_difference.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/normal_distribution.hpp"

namespace kestrel::analysis {

PairedDifference paired_difference(std::span<const double> a, std::span<const double> b) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kSessions = 252;
  std::vector<double> d;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(b[i] - a[i]);
  }
  PairedDifference r;
  r.days = d.size();
  if (d.size() < 2) {
    r.mean = r.standard_error = r.t = r.p_value = kNaN;
    r.annual_mean = r.annual_low = r.annual_high = r.annual_detectable = kNaN;
    return r;
  }
  const double n = static_cast<double>(d.size());
  double sum = 0;
  for (double x : d) sum += x;
  r.mean = sum / n;
  r.lags = static_cast<std::size_t>(std::floor(4 * std::pow(n / 100, 2.0 / 9.0)));
  r.lags = std::min(r.lags, d.size() - 1);
  auto autocovariance = [&](std::size_t k) {
    double s = 0;
    for (std::size_t t = k; t < d.size(); ++t) s += (d[t] - r.mean) * (d[t - k] - r.mean);
    return s / n;
  };
  double long_run = autocovariance(0);
  for (std::size_t k = 1; k <= r.lags; ++k) {
    long_run += 2 * (1 - static_cast<double>(k) / static_cast<double>(r.lags + 1)) * autocovariance(k);
  }
  r.standard_error = std::sqrt(std::max(long_run, 0.0) / n);
  if (r.standard_error > 0) {
    r.t = r.mean / r.standard_error;
    r.p_value = 2 * (1 - normal_cdf(std::fabs(r.t)));
  } else {
    r.t = r.mean == 0 ? 0 : kNaN;
    r.p_value = r.mean == 0 ? 1 : 0;  // the same every day: no noise to weigh the difference against
  }
  const double z = normal_quantile(0.975);
  r.annual_mean = kSessions * r.mean;
  r.annual_low = kSessions * (r.mean - z * r.standard_error);
  r.annual_high = kSessions * (r.mean + z * r.standard_error);
  r.annual_detectable = kSessions * (z + normal_quantile(0.8)) * r.standard_error;
  return r;
}

}  // namespace kestrel::analysis
