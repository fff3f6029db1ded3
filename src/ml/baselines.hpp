#pragma once
// The baselines that keep the learned models honest. None looks past t:
//   always_up:           the training base rate P(label = 1) for every sample (for return
//                        labels, the mean training return).
//   yesterday_direction: the training frequency of label 1 given the sign (+, -, or
//                        0/missing) of yesterday's return feature at t (ret_1d by default).
//   momentum_sign:       the same given the sign of a momentum feature at t (ret_20d).
// The sign rules output calibrated frequencies rather than hard 0/1 so log loss stays finite;
// their ranking is exactly "up vs down": all samples with the same sign share one score.
// Frequencies are Laplace-smoothed ((ones + 1) / (n + 2)); unseen signs fall back to the
// base rate.
#include <array>
#include <optional>
#include <string>

#include "ml/model_config.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

class AlwaysUp final : public SampleModel {
 public:
  std::string name() const override { return "always_up"; }
  std::string fit_settings() const override { return {}; }
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;
  float base_rate() const { return base_rate_; }

 private:
  float base_rate_ = 0.5f;
};

class SignBaseline final : public SampleModel {
 public:
  // `column` is the feature's position among the views' columns.
  SignBaseline(std::string name, std::string feature, std::size_t column)
      : name_(std::move(name)), feature_(std::move(feature)), column_(column) {}
  std::string name() const override { return name_; }
  std::string fit_settings() const override { return feature_ + "@" + std::to_string(column_); }
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;
  // Scores for a negative, zero-or-missing, and positive feature value.
  const std::array<float, 3>& scores() const { return scores_; }

 private:
  std::string name_;
  std::string feature_;
  std::size_t column_;
  std::array<float, 3> scores_{0.5f, 0.5f, 0.5f};
};

}  // namespace kestrel::ml
