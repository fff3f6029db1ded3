#include "ml_backends/dmatrix_export.hpp"

#include <limits>
#include <utility>

namespace kestrel::ml {

core::Result<DMatrix> DMatrix::from_batch(const dataset::Batch& batch, int threads) {
  if (batch.is_sequence) {
    return core::fail("DMatrix: a sequence batch ({} x {} x {}) has no tabular form; use a TabularView",
                      batch.size, batch.seq_len, batch.num_features);
  }
  DMatrixHandle handle = nullptr;
  if (XGDMatrixCreateFromMat_omp(batch.x.data(), batch.size, batch.num_features,
                                 std::numeric_limits<float>::quiet_NaN(), &handle, threads) != 0) {
    return core::fail("DMatrix: XGBoost could not create the matrix: {}", XGBGetLastError());
  }
  DMatrix matrix(handle);
  if (XGDMatrixSetFloatInfo(handle, "label", batch.y.data(), batch.size) != 0) {
    return core::fail("DMatrix: XGBoost rejected the labels: {}", XGBGetLastError());
  }
  return matrix;
}

DMatrix& DMatrix::operator=(DMatrix&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

DMatrix::~DMatrix() {
  if (handle_ != nullptr) XGDMatrixFree(handle_);
}

std::size_t DMatrix::rows() const {
  bst_ulong n = 0;
  XGDMatrixNumRow(handle_, &n);
  return n;
}

std::size_t DMatrix::cols() const {
  bst_ulong n = 0;
  XGDMatrixNumCol(handle_, &n);
  return n;
}

}  // namespace kestrel::ml
