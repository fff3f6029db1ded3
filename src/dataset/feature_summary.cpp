#include "dataset/feature_summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tbb/parallel_for.h>

#include "core/quantile.hpp"

namespace kestrel::dataset {

std::vector<FeatureStats> summarise_features(const features::FeatureMatrix& m) {
  std::vector<FeatureStats> out(m.num_features());
  const std::size_t cells = m.num_tickers() * m.num_dates();
  tbb::parallel_for(std::size_t{0}, m.num_features(), [&](std::size_t f) {
    FeatureStats& s = out[f];
    s.name = m.names[f];
    std::vector<float> v;
    v.reserve(cells);
    const float* begin = m.values.data() + f * cells;
    for (std::size_t j = 0; j < cells; ++j) {
      if (std::isfinite(begin[j])) v.push_back(begin[j]);
    }
    s.count = v.size();
    s.nan_share = cells == 0 ? 0.0 : 1.0 - static_cast<double>(v.size()) / static_cast<double>(cells);
    if (v.empty()) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      s.mean = s.std = s.min = s.p1 = s.p50 = s.p99 = s.max = nan;
      return;
    }
    double sum = 0, sum_sq = 0;
    for (float x : v) {
      sum += x;
      sum_sq += static_cast<double>(x) * x;
    }
    const double n = static_cast<double>(v.size());
    s.mean = sum / n;
    s.std = std::sqrt(std::max(0.0, sum_sq / n - s.mean * s.mean));
    const auto [lowest, highest] = std::minmax_element(v.begin(), v.end());
    s.min = *lowest;
    s.max = *highest;
    s.p50 = core::linear_quantile(std::span<float>(v), 0.50);
    s.p1 = core::linear_quantile(std::span<float>(v), 0.01);
    s.p99 = core::linear_quantile(std::span<float>(v), 0.99);
  });
  return out;
}

}  // namespace kestrel::dataset
