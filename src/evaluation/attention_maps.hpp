#pragma once
// Where an attention model looks: its attention maps (ml::Model::attention) averaged over a
// sample of a window's predictions, and one number per head that a table can show.
#include <cstddef>

#include "core/error.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "evaluation/walk_forward_run.hpp"
#include "features/feature_matrix.hpp"
#include "ml/model.hpp"

namespace kestrel::evaluation {

// The model's mean attention over at most `max_samples` of the window's sequence samples,
// evenly spaced. Fails for a model without attention (Model::has_attention).
core::Result<ml::AttentionMaps> mean_attention(const ml::Model& model, const features::FeatureMatrix& matrix,
                                               const dataset::Labels& labels, dataset::DateRange window,
                                               const RunOptions& options, std::size_t max_samples);

// How far back a head looks: the attention-weighted mean of the lag (0 = day t, window - 1 =
// the oldest day). Attention spread evenly gives (window - 1) / 2.
double mean_lag(const ml::AttentionMaps& maps, std::size_t layer, std::size_t head);

}  // namespace kestrel::evaluation
