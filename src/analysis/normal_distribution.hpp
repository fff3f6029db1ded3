#pragma once
// Standard normal CDF and its inverse, for parametric VaR, the probabilistic and deflated
// Sharpe ratios.
namespace kestrel::analysis {

double normal_cdf(double x);
// Inverse of normal_cdf for p in (0, 1): Acklam's rational approximation refined by one
// Halley step, accurate to ~1e-15.
double normal_quantile(double p);

}  // namespace kestrel::analysis
