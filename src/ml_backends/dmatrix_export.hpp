#pragma once
// Tabular dataset batches as XGBoost DMatrix (C API), features as float32 with NaN as
// missing, labels attached. RAII: the handle is freed with the object.
#include <cstddef>

#include <xgboost/c_api.h>

#include "core/error.hpp"
#include "dataset/batch.hpp"

namespace kestrel::ml {

class DMatrix {
 public:
  // Fails for sequence batches (a DMatrix is one row per sample) and on XGBoost errors.
  // threads <= 0: XGBoost's default (all cores).
  static core::Result<DMatrix> from_batch(const dataset::Batch& batch, int threads = 0);
  DMatrix(DMatrix&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  DMatrix& operator=(DMatrix&& other) noexcept;
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  ~DMatrix();

  DMatrixHandle handle() const { return handle_; }
  std::size_t rows() const;
  std::size_t cols() const;

 private:
  explicit DMatrix(DMatrixHandle handle) : handle_(handle) {}
  DMatrixHandle handle_ = nullptr;
};

}  // namespace kestrel::ml
