#pragma once
// The first four moments of a return series, as the Sharpe-ratio significance tests and the
// Cornish–Fisher VaR use them: sample mean, stdev with ddof = 1, and the population
// (biased) skewness and kurtosis (not excess: 3 for a normal distribution).
#include <cmath>
#include <numeric>
#include <span>

namespace kestrel::analysis {

struct SampleMoments {
  double mean = 0;
  double stdev = 0;
  double skewness = 0;
  double kurtosis = 3;
};

inline SampleMoments sample_moments(std::span<const double> x) {
  SampleMoments m;
  const double n = static_cast<double>(x.size());
  if (x.empty()) return m;
  m.mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
  double m2 = 0, m3 = 0, m4 = 0;
  for (double v : x) {
    const double d = v - m.mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  m.stdev = n > 1 ? std::sqrt(m2 * n / (n - 1)) : 0;
  if (m2 > 0) {
    m.skewness = m3 / std::pow(m2, 1.5);
    m.kurtosis = m4 / (m2 * m2);
  }
  return m;
}

}  // namespace kestrel::analysis
