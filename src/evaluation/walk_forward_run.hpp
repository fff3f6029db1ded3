#pragma once
// Trains a fresh model per fold and scores that fold's test window only, so every prediction
// is out of sample: the model never saw the test dates, and the fold's purge and embargo
// (dataset/splits.hpp) keep training labels from reaching into them.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dataset/batch.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "evaluation/scored_samples.hpp"
#include "features/feature_matrix.hpp"
#include "ml/model.hpp"

namespace kestrel::evaluation {

// What a model is trained and graded on; all three share the panel's axes.
struct EvaluationData {
  const features::FeatureMatrix* matrix = nullptr;
  const dataset::Labels* labels = nullptr;           // class labels (direction / outperformance)
  const dataset::Labels* forward_returns = nullptr;  // ForwardReturn, same horizon: for IC
};

struct RunOptions {
  std::size_t lookback = 30;  // sequence models' window
  dataset::NanPolicy nan_policy = dataset::NanPolicy::Zero;
  ml::FitOptions fit{};
  // When set, the model fitted on the last fold is saved here (ml::Model::save), for trading.
  std::filesystem::path save_dir{};
  // Checked before each fold: once it is true the run stops with an error instead of fitting
  // the next fold (the pipeline sets it when it fails while a walk-forward runs beside it).
  const std::atomic<bool>* cancelled = nullptr;
};

using ModelMaker = std::function<core::Result<std::unique_ptr<ml::Model>>()>;

struct FoldResult {
  dataset::Fold fold;
  ml::FitReport fit;
  std::size_t train_samples = 0;
  std::size_t test_samples = 0;
};

struct ModelRun {
  std::string model;
  std::vector<FoldResult> folds;
  std::vector<ScoredSample> predictions;  // test samples of every fold, in fold then date order
};

core::Result<ModelRun> run_model(const ModelMaker& make, const EvaluationData& data,
                                 std::span<const dataset::Fold> folds, const RunOptions& options);

}  // namespace kestrel::evaluation
