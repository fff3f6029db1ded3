#include "ml_backends/tensor_export.hpp"

#include <cstdint>
#include <memory>
#include <vector>

namespace kestrel::ml {
namespace {

// Wraps a moved-in vector as a tensor whose deleter frees the vector.
torch::Tensor adopt(std::vector<float>&& values, std::vector<std::int64_t> shape) {
  auto* owner = new std::vector<float>(std::move(values));
  return torch::from_blob(
      owner->data(), shape, [owner](void*) { delete owner; }, torch::TensorOptions().dtype(torch::kFloat32));
}

}  // namespace

TensorBatch to_tensors(dataset::Batch batch) {
  const auto size = static_cast<std::int64_t>(batch.size);
  const auto features = static_cast<std::int64_t>(batch.num_features);
  std::vector<std::int64_t> shape = batch.is_sequence
                                        ? std::vector<std::int64_t>{size, static_cast<std::int64_t>(batch.seq_len), features}
                                        : std::vector<std::int64_t>{size, features};
  TensorBatch out;
  out.x = adopt(std::move(batch.x), std::move(shape));
  out.y = adopt(std::move(batch.y), {size});
  return out;
}

}  // namespace kestrel::ml
