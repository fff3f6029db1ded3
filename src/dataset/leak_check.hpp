#pragma once
// Look-ahead detection, run by `kestrel features build` and by training code before a model
// sees a dataset. Two independent checks:
//
// 1. Association: a feature's pooled Spearman correlation with the label, and (for class
//    labels) its single-feature AUC. On daily stock data honest features have |rank
//    correlation| of a few hundredths with forward returns and AUCs within a few hundredths
//    of 0.5; a feature that reads the label's future window (say tomorrow's return) sits
//    near 1. The defaults flag |rho| > 0.3 or |AUC - 0.5| > 0.2: ten times what real
//    predictors show, so they do not fire on noise yet catch any direct leak.
// 2. Truncation: recompute the features on the panel cut at sampled dates and compare every
//    value on or before the cut with the full computation. A point-in-time feature cannot
//    change when future rows are removed; any change is a look-ahead, however weak.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dataset/labels.hpp"
#include "features/feature_matrix.hpp"
#include "store/panel.hpp"

namespace kestrel::dataset {

struct AssociationOptions {
  double max_abs_rank_correlation = 0.3;
  double max_auc_distance = 0.2;     // from 0.5, class labels only
  std::size_t max_samples = 100'000;  // evenly strided subsample of the labeled ticker-days
  std::size_t min_samples = 100;     // fewer paired values: not judged
};

struct FeatureAssociation {
  std::string name;
  std::size_t samples = 0;   // pairs with both feature and label present
  double rank_correlation = 0;  // NaN when not judged
  double auc = 0;               // NaN for regression labels or when not judged
  bool flagged = false;
  std::string reason;
};

struct AssociationReport {
  std::string label;
  std::vector<FeatureAssociation> features;
  std::vector<std::string> flagged() const;
};

core::Result<AssociationReport> check_label_association(const features::FeatureMatrix& matrix,
                                                        const Labels& labels,
                                                        const AssociationOptions& options = {});

using FeatureFunction = std::function<core::Result<features::FeatureMatrix>(const store::Panel&)>;

struct TruncationOptions {
  std::size_t cut_points = 3;
  std::uint64_t seed = 20240101;
  // Cuts are drawn from [first_cut_fraction * num_dates, num_dates - 2] so the truncated
  // panels still cover the features' warm-up.
  double first_cut_fraction = 0.5;
  // Relative tolerance: truncation rebuilds split factors from ratios, which may move a
  // split-adjusted volume in its last bits.
  double tolerance = 1e-5;
  // A panel with more tickers is checked on a seeded sample of this many (0: all): the
  // `always_include` tickers (the benchmark, which market features read) and random others.
  // The features of the sampled panel are computed with and without the future rows, so a
  // look-ahead shows as on the full universe, in a fraction of the time and memory.
  std::size_t max_tickers = 0;
  std::vector<std::string> always_include = {};
};

struct TruncationChange {
  std::string feature;
  std::string ticker;
  core::Date cut;
  core::Date date;  // first date <= cut whose value differs
  float full = 0;
  float truncated = 0;
};

struct TruncationReport {
  std::size_t tickers_checked = 0;
  std::vector<core::Date> cuts;
  std::vector<TruncationChange> changes;  // at most one per feature, from the latest cut that shows it
  std::vector<std::string> flagged() const;
};

// `full` must be compute(panel). Fails if compute fails or returns other axes.
core::Result<TruncationReport> check_truncation(const store::Panel& panel, const features::FeatureMatrix& full,
                                                const FeatureFunction& compute,
                                                const TruncationOptions& options = {});

}  // namespace kestrel::dataset
