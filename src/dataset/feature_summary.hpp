#pragma once
// Coverage and distribution of each feature, for `kestrel features describe` and for
// eyeballing a feature snapshot before training. Statistics are over the finite values of
// all ticker-days; `nan_share` is over every cell of the matrix (so tickers that did not
// trade yet count as missing). Quantiles are linear-interpolated.
#include <cstddef>
#include <string>
#include <vector>

#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

struct FeatureStats {
  std::string name;
  std::size_t count = 0;  // finite values
  double nan_share = 0;
  double mean = 0, std = 0, min = 0, p1 = 0, p50 = 0, p99 = 0, max = 0;  // NaN when count == 0
};

std::vector<FeatureStats> summarise_features(const features::FeatureMatrix& matrix);

}  // namespace kestrel::dataset
