#pragma once
// The base of every model the factory makes: fit and predict on a subset of a SampleSet's
// samples (`rows`, indices into its views' samples()). Model::fit/predict use all rows;
// ensembles use subsets to train members on parts of the training window (stacking's
// out-of-fold predictions) without building new views.
#include <chrono>
#include <span>
#include <vector>

#include "dataset/batch.hpp"
#include "ml/model.hpp"

namespace kestrel::ml {

using Rows = std::span<const std::size_t>;

class SampleModel : public Model {
 public:
  core::Result<FitReport> fit(const SampleSet& train, const SampleSet& validation,
                              const FitOptions& options) final;
  core::Result<std::vector<float>> predict(const SampleSet& samples) const final;

  // `validation_rows` may be empty (no early stopping on validation then).
  virtual core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                           Rows validation_rows, const FitOptions& options) = 0;
  virtual core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const = 0;
  // Everything besides the data and the seed that decides what fit_rows learns (its config,
  // for most models), as text: two fits with equal settings on equal rows are the same fit
  // (ml/fitted_model_cache.hpp).
  virtual std::string fit_settings() const = 0;
  // A digest of everything that decides this model's scores (settings and fitted parameters),
  // equal for a fit and the same model saved and loaded; empty (the default, and before fit)
  // when the model has none. Keys the prediction memo (ml/prediction_memo.hpp).
  virtual std::string fingerprint() const { return {}; }
};

// Number of samples in the set for a model that reads sequences (or not); fails if the view
// it needs is missing, or if both views are set with different sizes.
core::Result<std::size_t> sample_count(const SampleSet& samples, bool sequences);
std::vector<std::size_t> all_rows(std::size_t count);
// At most `max` of `rows`, evenly spaced (deterministic); max 0 = all.
std::vector<std::size_t> evenly_spaced(Rows rows, std::size_t max);

// The feature row at each sample's own date t, as a tabular batch [rows, features]: from
// the tabular view when set, else the last step of each sequence window.
core::Result<dataset::Batch> current_rows(const SampleSet& samples, Rows rows);

// Labels of the given rows.
core::Result<std::vector<float>> labels_of(const SampleSet& samples, Rows rows);

// Log loss (clamped to [1e-7, 1 - 1e-7]) for 0/1 labels, mean squared error otherwise.
double prediction_loss(std::span<const float> scores, std::span<const float> labels);

// The FitReport of a model fitted in one pass: the validation loss of its predictions, and the
// training loss on at most kOneShotTrainLossRows evenly spaced training rows.
inline constexpr std::size_t kOneShotTrainLossRows = 100'000;
core::Result<FitReport> one_shot_report(const SampleModel& model, const SampleSet& train, Rows train_rows,
                                        const SampleSet& validation, Rows validation_rows,
                                        std::chrono::steady_clock::time_point start);

// True when every label is 0 or 1 (probability outputs); else a regression target.
bool is_binary(std::span<const float> labels);

}  // namespace kestrel::ml
