#pragma once
// Dataset batches as LibTorch tensors. Only the ml module (and its users) include this:
// <torch/types.h> is heavy, so dataset/ stays free of it.
#include <torch/types.h>

#include "dataset/batch.hpp"

namespace kestrel::ml {

struct TensorBatch {
  torch::Tensor x;  // float32: [size, num_features] (tabular) or [size, seq_len, num_features]
  torch::Tensor y;  // float32: [size]
};

// Takes ownership of the batch's buffers: the tensors point into them (no copy) and free
// them when the last tensor referring to them goes away.
TensorBatch to_tensors(dataset::Batch batch);

}  // namespace kestrel::ml
