#include "dataset/sequence_view.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::dataset {

core::Result<SequenceView> SequenceView::make(const features::FeatureMatrix& matrix, const Labels& labels,
                                              DateRange range, std::size_t lookback, ViewOptions options) {
  if (lookback == 0) return core::fail("sequence view: lookback must be at least 1");
  auto columns = check_view_inputs(matrix, labels, options);
  if (!columns) return std::unexpected(columns.error());
  SequenceView view;
  view.matrix_ = &matrix;
  view.labels_ = &labels;
  view.lookback_ = lookback;
  view.nan_policy_ = options.nan_policy;
  view.columns_ = std::move(*columns);

  const std::size_t n = matrix.num_dates();
  const std::size_t end = std::min(range.end, n);
  const std::size_t begin = std::max(range.begin, lookback - 1);
  // incomplete[i][t+1] = number of rows <= t of ticker i with a NaN among the columns.
  std::vector<std::vector<std::uint32_t>> incomplete;
  if (view.nan_policy_ == NanPolicy::DropRow) {
    incomplete.assign(matrix.num_tickers(), std::vector<std::uint32_t>(n + 1, 0));
    for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
      std::vector<bool> bad(n, false);
      for (std::size_t f : view.columns_) {
        const auto s = matrix.series(f, i);
        for (std::size_t t = 0; t < n; ++t) bad[t] = bad[t] || std::isnan(s[t]);
      }
      for (std::size_t t = 0; t < n; ++t) incomplete[i][t + 1] = incomplete[i][t] + (bad[t] ? 1 : 0);
    }
  }
  for (std::size_t t = begin; t < end; ++t) {
    for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
      if (std::isnan(labels.at(i, t))) continue;
      if (!incomplete.empty() && incomplete[i][t + 1] != incomplete[i][t + 1 - lookback]) continue;
      view.samples_.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(t)});
    }
  }
  return view;
}

Batch SequenceView::materialise(std::span<const std::size_t> ids) const {
  Batch batch;
  batch.is_sequence = true;
  batch.size = ids.size();
  batch.seq_len = lookback_;
  batch.num_features = columns_.size();
  const std::size_t nf = batch.num_features;
  batch.x.resize(batch.size * lookback_ * nf);
  batch.y.resize(batch.size);
  batch.keys.resize(batch.size);
  for (std::size_t b = 0; b < ids.size(); ++b) {
    const SampleKey key = samples_[ids[b]];
    const std::size_t first = key.t + 1 - lookback_;
    float* out = batch.x.data() + b * lookback_ * nf;
    // Feature-outer: each feature's window is one contiguous read from the matrix.
    for (std::size_t c = 0; c < nf; ++c) {
      const float* src = matrix_->series(columns_[c], key.ticker).data() + first;
      for (std::size_t s = 0; s < lookback_; ++s) {
        const float x = src[s];
        out[s * nf + c] = (nan_policy_ == NanPolicy::Zero && std::isnan(x)) ? 0.0f : x;
      }
    }
    batch.y[b] = labels_->at(key.ticker, key.t);
    batch.keys[b] = key;
  }
  return batch;
}

Batch SequenceView::materialise_last(std::span<const std::size_t> ids) const {
  Batch batch;
  batch.size = ids.size();
  batch.num_features = columns_.size();
  const std::size_t nf = batch.num_features;
  batch.x.resize(batch.size * nf);
  batch.y.resize(batch.size);
  batch.keys.resize(batch.size);
  for (std::size_t b = 0; b < ids.size(); ++b) {
    const SampleKey key = samples_[ids[b]];
    batch.y[b] = labels_->at(key.ticker, key.t);
    batch.keys[b] = key;
  }
  // Feature-outer, as TabularView::materialise (tabular_view.cpp says why).
  for (std::size_t c = 0; c < nf; ++c) {
    for (std::size_t b = 0; b < ids.size(); ++b) {
      const float x = matrix_->series(columns_[c], batch.keys[b].ticker)[batch.keys[b].t];
      batch.x[b * nf + c] = (nan_policy_ == NanPolicy::Zero && std::isnan(x)) ? 0.0f : x;
    }
  }
  return batch;
}

Batch SequenceView::materialise_range(std::size_t first, std::size_t count) const {
  first = std::min(first, size());
  count = std::min(count, size() - first);
  std::vector<std::size_t> ids(count);
  for (std::size_t r = 0; r < count; ++r) ids[r] = first + r;
  return materialise(ids);
}

}  // namespace kestrel::dataset
