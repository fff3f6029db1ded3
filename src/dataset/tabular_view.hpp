#pragma once
// One row per ticker-day: the feature vector at t and the label at t, for the dates of one
// range (e.g. a fold's train window). Holds only the sample index, never a copy of the
// features; materialise() copies the rows asked for. Samples with a missing label are
// skipped; rows are ordered by date, then ticker (chronological, deterministic).
// The matrix and labels must outlive the view.
#include <span>
#include <vector>

#include "core/error.hpp"
#include "dataset/batch.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

class TabularView {
 public:
  static core::Result<TabularView> make(const features::FeatureMatrix& matrix, const Labels& labels,
                                        DateRange range, ViewOptions options = {});

  std::size_t size() const { return samples_.size(); }
  std::size_t num_features() const { return columns_.size(); }
  const std::vector<SampleKey>& samples() const { return samples_; }
  const std::vector<std::size_t>& columns() const { return columns_; }
  const features::FeatureMatrix* matrix() const { return matrix_; }
  NanPolicy nan_policy() const { return nan_policy_; }
  // The label of one sample (an index into samples()), as materialised batches carry it.
  float label(std::size_t sample) const { return labels_->at(samples_[sample].ticker, samples_[sample].t); }

  // The given rows (indices into samples()), in that order.
  Batch materialise(std::span<const std::size_t> rows) const;
  // Rows [first, first + count).
  Batch materialise_range(std::size_t first, std::size_t count) const;
  Batch materialise_all() const { return materialise_range(0, size()); }

 private:
  const features::FeatureMatrix* matrix_ = nullptr;
  const Labels* labels_ = nullptr;
  NanPolicy nan_policy_ = NanPolicy::Keep;
  std::vector<std::size_t> columns_;
  std::vector<SampleKey> samples_;
};

}  // namespace kestrel::dataset
