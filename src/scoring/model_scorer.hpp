#pragma once
// Scores a saved model on one day: the features of every instrument up to that day's close,
// built exactly as in training (same feature list, benchmark, lookback, NaN policy), fed to
// the model, one score per instrument with a bar that day. The feature matrix is computed
// once per state of the market data (a node recomputes it after each refresh); only day t's
// rows (or windows ending at t) are read, and features are point in time (the leak check
// verifies that no feature changes when later data is removed).
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "dataset/labels.hpp"
#include "features/feature_matrix.hpp"
#include "scoring/saved_model.hpp"
#include "store/panel.hpp"
#include "strategy/predictions.hpp"

namespace kestrel::scoring {

class ModelScorer {
 public:
  explicit ModelScorer(SavedModel saved) : saved_(std::move(saved)) {}

  const ModelManifest& manifest() const { return saved_.manifest; }
  // Scores for the listed instruments that have a bar on panel day t, ascending instrument.
  core::Result<std::vector<strategy::Prediction>> score(const store::Panel& panel, std::size_t t,
                                                        std::span<const std::uint32_t> universe);

 private:
  core::Status prepare(const store::Panel& panel);

  SavedModel saved_;
  const store::Panel* panel_ = nullptr;  // the market data the matrix was computed from
  std::size_t panel_dates_ = 0;
  std::uint64_t panel_version_ = 0;
  features::FeatureMatrix matrix_;
  std::vector<std::size_t> columns_;     // manifest features → matrix columns
  dataset::Labels placeholders_;         // "labelled" 0 on the scored day so the views keep it
  std::vector<std::size_t> marked_;      // cells of placeholders_ set for the last call
};

}  // namespace kestrel::scoring
