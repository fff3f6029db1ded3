#pragma once
// What the dataset views share: sample identity, the NaN policy, column selection, and the
// materialised batch that exporters (ml/tensor_export.hpp, ml/dmatrix_export.hpp) consume.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "dataset/labels.hpp"
#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

// One ticker-day: the features at date index t (data up to t's close) and the label at t.
struct SampleKey {
  std::uint32_t ticker = 0;
  std::uint32_t t = 0;
  bool operator==(const SampleKey&) const = default;
};

enum class NanPolicy : std::uint8_t {
  Keep,     // leave NaN in place (XGBoost treats it as missing)
  DropRow,  // skip samples with any NaN among the selected features (whole window for sequences)
  Zero,     // replace NaN by 0 when materialising (the mean after z-scoring)
};

struct ViewOptions {
  NanPolicy nan_policy = NanPolicy::Keep;
  std::vector<std::size_t> columns{};  // feature indices to use, in this order; empty = all
};

// Dense, row-major samples: x is [size, seq_len, num_features] (seq_len 1 for tabular
// views, whose x is [size, num_features]); y and keys are [size].
struct Batch {
  bool is_sequence = false;
  std::size_t size = 0;
  std::size_t seq_len = 1;
  std::size_t num_features = 0;
  std::vector<float> x;
  std::vector<float> y;
  std::vector<SampleKey> keys;
};

// Fails unless the labels were made from the same panel axes as the features; resolves
// `columns` (checks bounds, expands "all").
core::Result<std::vector<std::size_t>> check_view_inputs(const features::FeatureMatrix& matrix,
                                                         const Labels& labels,
                                                         const ViewOptions& options);

}  // namespace kestrel::dataset
