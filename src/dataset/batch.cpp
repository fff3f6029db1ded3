#include "dataset/batch.hpp"

#include <numeric>

namespace kestrel::dataset {

core::Result<std::vector<std::size_t>> check_view_inputs(const features::FeatureMatrix& matrix,
                                                         const Labels& labels,
                                                         const ViewOptions& options) {
  if (matrix.dates != labels.dates || matrix.tickers != labels.tickers) {
    return core::fail("dataset: features ({} tickers x {} dates) and labels ({} x {}) come from "
                      "different panels",
                      matrix.num_tickers(), matrix.num_dates(), labels.num_tickers(), labels.num_dates());
  }
  if (matrix.values.size() != matrix.num_features() * matrix.num_tickers() * matrix.num_dates()) {
    return core::fail("dataset: feature matrix holds {} values, expected {} features x {} tickers x {} dates",
                      matrix.values.size(), matrix.num_features(), matrix.num_tickers(), matrix.num_dates());
  }
  std::vector<std::size_t> columns = options.columns;
  if (columns.empty()) {
    columns.resize(matrix.num_features());
    std::iota(columns.begin(), columns.end(), std::size_t{0});
  }
  for (std::size_t c : columns) {
    if (c >= matrix.num_features()) {
      return core::fail("dataset: feature column {} out of range ({} features)", c, matrix.num_features());
    }
  }
  if (columns.empty()) return core::fail("dataset: no feature columns selected");
  return columns;
}

}  // namespace kestrel::dataset
