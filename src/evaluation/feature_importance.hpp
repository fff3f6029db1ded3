#pragma once
// Which features a fitted model relies on, two ways: permutation importance for every model,
// and the model's own attribution where it has one (XGBoost's SHAP values).
//
// Permutation importance (Breiman; Fisher, Rudin & Dominici). Each feature's values inside a window are shuffled across its ticker-days, the
// model scores the window again, and the importance is how much its quality drops: AUC for a
// class label, rank correlation with the label for a return label. Model-agnostic — the same
// for logistic regression, XGBoost and the sequence networks (for those the shuffle also covers
// the lookback before the window, so every window a sample reads is shuffled).
//
// Measured on the validation window, never the test segment: what it says may be used to
// choose features without touching the test data.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "evaluation/walk_forward_run.hpp"
#include "features/feature_matrix.hpp"
#include "ml/model.hpp"

namespace kestrel::evaluation {

struct FeatureImportance {
  std::string feature;
  // Permutation: baseline quality minus quality with the feature shuffled (> 0: it helps).
  // Contributions: the mean |contribution| to the margin.
  double drop = 0;
};

struct ImportanceResult {
  std::string metric;         // "AUC" or "rank correlation"
  double baseline = 0;        // the model's quality on the window, nothing shuffled
  std::size_t samples = 0;
  std::vector<FeatureImportance> features;  // largest drop first
};

// `matrix` is shuffled in place, one feature at a time, and restored before the next (and
// before returning, also on failure). Deterministic for a seed.
core::Result<ImportanceResult> permutation_importance(const ml::Model& model, features::FeatureMatrix& matrix,
                                                      const dataset::Labels& labels, dataset::DateRange window,
                                                      const RunOptions& options, std::uint64_t seed);

// The mean absolute contribution of each feature to the model's margin over the window's
// samples (its own attribution: Model::contributions), largest first; `drop` holds the mean.
// Fails for a model without one (Model::has_contributions).
core::Result<std::vector<FeatureImportance>> mean_absolute_contributions(const ml::Model& model,
                                                                         const features::FeatureMatrix& matrix,
                                                                         const dataset::Labels& labels,
                                                                         dataset::DateRange window,
                                                                         const RunOptions& options);

}  // namespace kestrel::evaluation
