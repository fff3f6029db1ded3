#pragma once
// Ensembles of factory models (config.members, all reading the same ModelConfig; an
// ensemble cannot contain an ensemble).
//
// ensemble_average: every member is fitted on the training samples with the validation
//   samples for early stopping; member i then gets weight s_i = max(0, L_base - L_i), its
//   validation-loss improvement over the constant training base rate, normalised to sum 1
//   (equal weights when no member beats the base rate or there is no validation set). The
//   score is the weighted mean of the members' scores.
//
// stacking: a logistic meta-learner (logit of each member's probability + intercept, L2
//   1e-3; linear regression on the raw scores for return labels) trained ONLY on
//   out-of-fold predictions made inside the training window. The members are first fitted on
//   the whole training window (with validation for early stopping); these are the members
//   the meta-learner combines. Then the training dates are cut into `stacking_folds`
//   contiguous blocks; for every block b >= 1, fresh members are fitted on the training
//   samples dated before block b minus `stacking_purge_dates` (purged: their labels cannot
//   reach into block b) and predict block b. Block 0 has no past and gets no OOF prediction.
//   Only max_train_samples of the blocks' samples (0: all) are predicted and given to the
//   meta-learner, evenly spaced and shared out by block size.
//   No validation data is used for these inner fits: each trains for the epochs (boosting
//   rounds) at which its whole-window counterpart's validation loss was best, so the
//   out-of-fold members are trained like the members they stand in for.
//
// Both take a member from FitOptions::fitted_models instead of fitting it when the run already
// made the same fit (ml/fitted_model_cache.hpp): the pipeline's standalone lstm is the
// ensembles' lstm member when their settings and samples agree. They score their members
// through the prediction memo (ml/prediction_memo.hpp), so scores the run already has — the
// standalone lstm's of the test segment, of its importance's shuffled windows — are reused.
#include <memory>
#include <vector>

#include "ml/model_config.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

class EnsembleAverage final : public SampleModel {
 public:
  explicit EnsembleAverage(ModelConfig config) : config_(std::move(config)) {}
  std::string name() const override { return "ensemble_average"; }
  bool uses_sequences() const override;
  std::string fit_settings() const override;
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;
  const std::vector<double>& weights() const { return weights_; }

 private:
  ModelConfig config_;
  std::vector<std::shared_ptr<SampleModel>> members_;
  std::vector<double> weights_;
};

// One inner split of the stacking's out-of-fold scheme, in panel date indices.
struct StackingFold {
  std::size_t train_last_date = 0;    // latest date of the samples the members were fitted on
  std::size_t predict_first_date = 0;  // block predicted out of fold: [first, last]
  std::size_t predict_last_date = 0;
  std::size_t train_samples = 0;
  std::size_t predict_samples = 0;
};

class Stacking final : public SampleModel {
 public:
  explicit Stacking(ModelConfig config) : config_(std::move(config)) {}
  std::string name() const override { return "stacking"; }
  bool uses_sequences() const override;
  std::string fit_settings() const override;
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;
  const std::vector<StackingFold>& folds() const { return folds_; }
  // Samples the meta-learner was trained on (all out of fold).
  std::size_t meta_samples() const { return meta_samples_; }
  // Intercept, then one coefficient per member.
  const std::vector<double>& meta_coefficients() const { return meta_; }

 private:
  ModelConfig config_;
  std::vector<std::shared_ptr<SampleModel>> members_;
  std::vector<StackingFold> folds_;
  std::vector<double> meta_;
  std::size_t meta_samples_ = 0;
  bool binary_ = true;
};

}  // namespace kestrel::ml
