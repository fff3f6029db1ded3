#pragma once
// Tabular dataset batches as XGBoost DMatrix (C API), features as float32 with NaN as
// missing, labels attached. RAII: the handle is freed with the object.
#include <cstddef>
#include <functional>

#include <xgboost/c_api.h>

#include "core/error.hpp"
#include "dataset/batch.hpp"

namespace kestrel::ml {

class DMatrix {
 public:
  // Fails for sequence batches (a DMatrix is one row per sample) and on XGBoost errors.
  // threads <= 0: XGBoost's default (all cores).
  static core::Result<DMatrix> from_batch(const dataset::Batch& batch, int threads = 0);

  // XGBoost's QuantileDMatrix of `rows` rows, read through `fetch(first, count)` in chunks of
  // `chunk` rows (tabular batches with labels): XGBoost sketches the chunks, then keeps only
  // its histogram index (a byte per cell) — never the dense rows nor its own CSR copy of them
  // (8 bytes per cell), which from_batch holds at once. For the hist tree method only.
  // `reference` lends its cut points (a validation set uses the training set's); nullptr:
  // computed from these rows.
  using ChunkSource = std::function<core::Result<dataset::Batch>(std::size_t first, std::size_t count)>;
  static core::Result<DMatrix> quantile_from_chunks(std::size_t rows, const ChunkSource& fetch, int threads,
                                                    std::size_t chunk = 65536, const DMatrix* reference = nullptr);
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
