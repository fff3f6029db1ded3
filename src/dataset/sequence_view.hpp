#pragma once
// Sequence samples for recurrent/attention models: the sample at (ticker, t) is the window
// of feature rows t-lookback+1 .. t of that ticker (oldest first) and the label at t. The
// view stores one SampleKey per sample and indexes into the FeatureMatrix; windows are copied
// only when a batch is materialised, as [batch, lookback, features].
//
// A window may reach back before the view's date range (those are past features, not
// labels), but never before the panel's first date: samples with t < lookback-1 are skipped,
// as are samples with a missing label. With NanPolicy::DropRow, a sample is kept only if all
// rows of its window are complete (checked in O(1) per sample via prefix counts).
// The matrix and labels must outlive the view.
#include <span>
#include <vector>

#include "core/error.hpp"
#include "dataset/batch.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

inline constexpr std::size_t kDefaultLookback = 90;

class SequenceView {
 public:
  static core::Result<SequenceView> make(const features::FeatureMatrix& matrix, const Labels& labels,
                                         DateRange range, std::size_t lookback = kDefaultLookback,
                                         ViewOptions options = {});

  std::size_t size() const { return samples_.size(); }
  std::size_t lookback() const { return lookback_; }
  std::size_t num_features() const { return columns_.size(); }
  const std::vector<SampleKey>& samples() const { return samples_; }
  const std::vector<std::size_t>& columns() const { return columns_; }
  const features::FeatureMatrix* matrix() const { return matrix_; }
  NanPolicy nan_policy() const { return nan_policy_; }
  // The label of one sample (an index into samples()), as materialised batches carry it.
  float label(std::size_t sample) const { return labels_->at(samples_[sample].ticker, samples_[sample].t); }

  // The given samples (indices into samples()), in that order.
  Batch materialise(std::span<const std::size_t> ids) const;
  Batch materialise_range(std::size_t first, std::size_t count) const;
  // Only each window's last day (t), as a tabular batch [batch, features]: what a tabular
  // model (XGBoost, logistic regression in an ensemble with sequence members) sees of a
  // sequence sample, without building the whole window (lookback times the memory).
  Batch materialise_last(std::span<const std::size_t> ids) const;

 private:
  const features::FeatureMatrix* matrix_ = nullptr;
  const Labels* labels_ = nullptr;
  std::size_t lookback_ = kDefaultLookback;
  NanPolicy nan_policy_ = NanPolicy::Keep;
  std::vector<std::size_t> columns_;
  std::vector<SampleKey> samples_;
};

}  // namespace kestrel::dataset
