#include "ml_backends/dmatrix_export.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

#include <fmt/format.h>

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

namespace {

// XGBoost's data iterator: each next() hands the proxy one chunk, dense float32 by the array
// interface, with its labels. A failure is kept and ends the iteration; the caller reports it.
struct ChunkIterator {
  std::size_t rows = 0;
  std::size_t chunk = 0;
  const DMatrix::ChunkSource* fetch = nullptr;
  DMatrixHandle proxy = nullptr;
  std::size_t next = 0;
  dataset::Batch current;
  std::string interface;
  std::string error;
};

int next_chunk(DataIterHandle handle) {
  auto* it = static_cast<ChunkIterator*>(handle);
  if (it->next >= it->rows || !it->error.empty()) return 0;
  const std::size_t count = std::min(it->chunk, it->rows - it->next);
  auto batch = (*it->fetch)(it->next, count);
  if (!batch) {
    it->error = batch.error().message;
    return 0;
  }
  if (batch->is_sequence || batch->size != count) {
    it->error = fmt::format("DMatrix: a chunk of {} rows came back as {} {} rows", count, batch->size,
                            batch->is_sequence ? "sequence" : "tabular");
    return 0;
  }
  it->current = std::move(*batch);
  it->interface = fmt::format(R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
                              reinterpret_cast<std::uintptr_t>(it->current.x.data()), count,
                              it->current.num_features);
  if (XGProxyDMatrixSetDataDense(it->proxy, it->interface.c_str()) != 0 ||
      XGDMatrixSetFloatInfo(it->proxy, "label", it->current.y.data(), count) != 0) {
    it->error = fmt::format("DMatrix: XGBoost rejected a chunk: {}", XGBGetLastError());
    return 0;
  }
  it->next += count;
  return 1;
}

void reset_chunks(DataIterHandle handle) { static_cast<ChunkIterator*>(handle)->next = 0; }

}  // namespace

core::Result<DMatrix> DMatrix::quantile_from_chunks(std::size_t rows, const ChunkSource& fetch, int threads,
                                                    std::size_t chunk, const DMatrix* reference) {
  if (rows == 0) return core::fail("DMatrix: no rows");
  DMatrixHandle proxy = nullptr;
  if (XGProxyDMatrixCreate(&proxy) != 0) return core::fail("DMatrix: no proxy: {}", XGBGetLastError());
  const DMatrix proxy_owner(proxy);
  ChunkIterator it;
  it.rows = rows;
  it.chunk = std::max<std::size_t>(1, chunk);
  it.fetch = &fetch;
  it.proxy = proxy;
  // NaN is the missing value (JSON as XGBoost's own Python package writes it).
  const std::string config = fmt::format(R"({{"missing": NaN, "nthread": {}, "max_bin": 256}})", threads);
  DMatrixHandle handle = nullptr;
  const int rc = XGQuantileDMatrixCreateFromCallback(&it, proxy, reference != nullptr ? reference->handle() : nullptr,
                                                     reset_chunks, next_chunk, config.c_str(), &handle);
  if (!it.error.empty()) {
    if (handle != nullptr) XGDMatrixFree(handle);
    return core::fail("{}", it.error);
  }
  if (rc != 0) return core::fail("DMatrix: XGBoost could not build the quantile matrix: {}", XGBGetLastError());
  return DMatrix(handle);
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
