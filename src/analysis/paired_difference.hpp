#pragma once
// Is one daily return series better than another run over the same days, beyond noise? The
// A/B comparison of two paper books: the daily differences b - a, their mean, and a standard
// error that allows for autocorrelation (Newey-West, Bartlett weights, the usual automatic
// lag floor(4 (n/100)^(2/9))), so that two books holding overlapping stocks on the same days
// are judged on the days they differ, not on the market they share.
#include <cstddef>
#include <span>

namespace kestrel::analysis {

struct PairedDifference {
  std::size_t days = 0;  // pairs where both returns are finite
  std::size_t lags = 0;  // Newey-West lags
  double mean = 0;       // mean daily difference, b - a
  double standard_error = 0;
  double t = 0;          // mean / standard error (NaN when the error is 0 and the mean is not)
  double p_value = 1;    // two-sided, normal approximation; 1 when the two series are the same
  // Annualised (252 sessions): the mean difference, its 95% confidence interval, and the
  // smallest true difference this many days would detect at 5% two-sided with 80% power.
  double annual_mean = 0, annual_low = 0, annual_high = 0, annual_detectable = 0;
};

// NaN when fewer than 2 finite pairs. The spans must have the same length.
PairedDifference paired_difference(std::span<const double> a, std::span<const double> b);

}  // namespace kestrel::analysis
