#pragma once
// Logistic regression on the normalised features at t (NaN -> training mean), fitted by
// Newton's method (IRLS) with an L2 penalty on the weights (not the intercept): convex, so
// the fit is unique and needs no seed. For return labels it is ridge regression instead.
// Trains on at most config.max_train_samples evenly spaced training rows.
#include <vector>

#include "ml/feature_scaler.hpp"
#include "ml/model_config.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

class LogisticRegression final : public SampleModel {
 public:
  explicit LogisticRegression(ModelConfig config) : config_(std::move(config)) {}
  std::string name() const override { return "logistic_regression"; }
  std::string fit_settings() const override;
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  std::string fingerprint() const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;
  // Intercept first, then one weight per feature (on normalised features).
  const std::vector<double>& coefficients() const { return coefficients_; }

 private:
  ModelConfig config_;
  FeatureScaler scaler_;
  bool binary_ = true;
  std::vector<double> coefficients_;
};

}  // namespace kestrel::ml
