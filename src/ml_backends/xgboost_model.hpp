#pragma once
// Gradient-boosted trees through the XGBoost C API: tree_method hist, binary:logistic for
// 0/1 labels (reg:squarederror for returns), seeded, nthread from FitOptions, early stopping
// on the validation loss (the booster is cut back to its best round). Trees need no
// normalisation (splits are invariant to monotone transforms) and NaN is "missing".
// Trains on every training row (no subsample: hist handles millions of rows on 2 cores).
// Saved with XGBoosterSaveModel as model.ubj beside model.json.
#include <memory>

#include "ml/model_config.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

class XGBoostModel final : public SampleModel {
 public:
  explicit XGBoostModel(ModelConfig config);
  ~XGBoostModel() override;
  XGBoostModel(const XGBoostModel&) = delete;
  XGBoostModel& operator=(const XGBoostModel&) = delete;

  std::string name() const override { return "xgboost"; }
  std::string fit_settings() const override;
  std::string fingerprint() const override;
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  // SHAP values from the trees (XGBoost's pred_contribs).
  bool has_contributions() const override { return true; }
  core::Result<std::vector<float>> contributions(const SampleSet& samples) const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;

 private:
  void reset(void* booster);
  ModelConfig config_;
  void* booster_ = nullptr;  // BoosterHandle; the C API header stays in the .cpp
  int threads_ = 0;
};

}  // namespace kestrel::ml
