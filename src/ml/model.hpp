#pragma once
// The one interface every predictive model implements — baselines, logistic regression,
// MLP, LSTM, Transformer, gradient boosting and the ensembles — so training, walk-forward
// evaluation, the pipeline and the backtester treat them alike.
//
// A model scores samples: predict() returns, per sample, the probability that the label is
// 1 (up / outperforms) for classification labels, or the expected return for
// ForwardReturn labels. Scores are what the signal strategy ranks.
//
// Point in time: fit() sees only the training and validation samples it is given (the
// caller builds them from a fold); anything fitted — normalisers included — is stored with
// the model by save() so predict() after load() reproduces the same scores.
// This header stays free of torch and xgboost includes.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"

namespace kestrel::ml {

// The samples of one split, as views over the feature matrix (no copies). Sequence models
// read `sequence`, the others `tabular`; both cover the same samples when both are set.
struct SampleSet {
  const dataset::TabularView* tabular = nullptr;
  const dataset::SequenceView* sequence = nullptr;
};

class FittedModelCache;

struct FitOptions {
  std::uint64_t seed = 42;
  int threads = 0;               // 0 = all cores
  bool show_progress = true;
  std::filesystem::path checkpoint_dir{};  // empty = no checkpoints; else resume from the latest
  // Fits to reuse within a run (ml/fitted_model_cache.hpp): ensembles take their members from
  // it, and the pipeline puts every model it fits there. Empty = always fit.
  std::shared_ptr<FittedModelCache> fitted_models{};
};

// What training did, for logs and reports.
struct FitReport {
  int epochs_run = 0;
  int best_epoch = 0;
  double best_validation_loss = 0;
  double seconds = 0;
  std::size_t samples_fitted = 0;       // training samples the fit used, after any subsample
  std::vector<double> train_loss;       // per epoch
  std::vector<double> validation_loss;  // per epoch
  // What a report should say about this fit beyond the losses, e.g. an ensemble's weights.
  std::string summary;
};

// Mean attention weights, [layers × heads × window], position 0 the oldest day of the window
// and window - 1 the day scored; each (layer, head) row sums to 1.
struct AttentionMaps {
  std::size_t layers = 0;
  std::size_t heads = 0;
  std::size_t window = 0;
  std::size_t samples = 0;  // how many samples the mean is over
  std::vector<double> weights;
  double at(std::size_t layer, std::size_t head, std::size_t position) const {
    return weights[(layer * heads + head) * window + position];
  }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string name() const = 0;  // e.g. "lstm", "xgboost", "always_up"
  virtual bool uses_sequences() const { return false; }
  virtual core::Result<FitReport> fit(const SampleSet& train, const SampleSet& validation,
                                      const FitOptions& options) = 0;
  // One score per sample of `samples` (same order as its view's samples()).
  virtual core::Result<std::vector<float>> predict(const SampleSet& samples) const = 0;
  // The model's own attribution of each score, where it has one (XGBoost's SHAP values): per
  // sample, every feature's contribution in the model's margin (log-odds for a probability)
  // and the bias last, [samples × (features + 1)], summing to the margin.
  virtual bool has_contributions() const { return false; }
  virtual core::Result<std::vector<float>> contributions(const SampleSet& samples) const {
    (void)samples;
    return core::fail("{}: no attribution of its own", name());
  }
  // Where an attention model looks (the Transformer): for each encoder layer and head, the
  // weight the last position (day t, the one scored) gives each position of its window,
  // averaged over at most `max_samples` of `samples`, evenly spaced.
  virtual bool has_attention() const { return false; }
  virtual core::Result<AttentionMaps> attention(const SampleSet& samples, std::size_t max_samples) const {
    (void)samples;
    (void)max_samples;
    return core::fail("{}: has no attention", name());
  }
  // A folder per model: its config, fitted parameters and normalisers.
  virtual core::Status save(const std::filesystem::path& dir) const = 0;
  virtual core::Status load(const std::filesystem::path& dir) = 0;
};

}  // namespace kestrel::ml
