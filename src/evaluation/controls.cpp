#include "evaluation/controls.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/rng.hpp"
#include "dataset/leak_check.hpp"

namespace kestrel::evaluation {

core::Result<ControlResult> shuffled_label_control(const ModelMaker& make, const EvaluationData& data,
                                                   const dataset::Fold& fold, const RunOptions& options,
                                                   const ControlOptions& control) {
  // Permute the labeled values at dates before the test window; the test labels stay true.
  dataset::Labels shuffled = *data.labels;
  const std::size_t end = std::min(fold.test.begin, shuffled.num_dates());
  std::vector<std::size_t> slots;
  for (std::size_t i = 0; i < shuffled.num_tickers(); ++i) {
    for (std::size_t t = 0; t < end; ++t) {
      if (!std::isnan(shuffled.at(i, t))) slots.push_back(i * shuffled.num_dates() + t);
    }
  }
  core::Rng rng(control.seed);
  for (std::size_t k = slots.size(); k > 1; --k) {
    const std::size_t j = rng.below(k);
    std::swap(shuffled.values[slots[k - 1]], shuffled.values[slots[j]]);
  }
  EvaluationData shuffled_data = data;
  shuffled_data.labels = &shuffled;
  auto run = run_model(make, shuffled_data, std::span(&fold, 1), options);
  if (!run) return std::unexpected(run.error());
  ControlResult result{.name = "shuffled_labels", .passed = false, .detail = {}, .metrics = metric_row("test", run->predictions)};
  const auto& m = result.metrics.classification;
  const double distance = std::fabs(m.auc - 0.5);
  result.passed = std::isfinite(m.auc) && distance <= control.auc_tolerance && m.accuracy <= control.suspicious_accuracy;
  result.detail = fmt::format(
      "{} trained on shuffled labels: test AUC {:.3f} (chance 0.5, tolerance ±{:.2f}), accuracy {:.3f} "
      "(share of up labels {:.3f}) — {}",
      run->model, m.auc, control.auc_tolerance, m.accuracy, m.positive_rate,
      result.passed ? "chance level, as it must be" : "NOT at chance level: the evaluation leaks");
  return result;
}

core::Result<ControlResult> planted_leak_control(const ModelMaker& make, const EvaluationData& data,
                                                 const dataset::Fold& fold, const RunOptions& options,
                                                 const ControlOptions& control) {
  features::FeatureMatrix leaked = *data.matrix;
  leaked.names.push_back(kPlantedLeakFeature);
  const auto& returns = *data.forward_returns;
  leaked.values.reserve(leaked.values.size() + leaked.num_tickers() * leaked.num_dates());
  for (std::size_t i = 0; i < leaked.num_tickers(); ++i) {
    for (std::size_t t = 0; t < leaked.num_dates(); ++t) leaked.values.push_back(returns.at(i, t));
  }
  auto association = dataset::check_label_association(leaked, *data.labels);
  if (!association) return std::unexpected(association.error());
  const auto flagged = association->flagged();
  const bool check_caught = std::find(flagged.begin(), flagged.end(), kPlantedLeakFeature) != flagged.end();

  EvaluationData leaked_data = data;
  leaked_data.matrix = &leaked;
  auto run = run_model(make, leaked_data, std::span(&fold, 1), options);
  if (!run) return std::unexpected(run.error());
  ControlResult result{.name = "planted_leak", .passed = false, .detail = {}, .metrics = metric_row("test", run->predictions)};
  const auto& m = result.metrics.classification;
  const bool accuracy_caught = m.accuracy > control.suspicious_accuracy;
  result.passed = check_caught || accuracy_caught;
  result.detail = fmt::format(
      "feature '{}' (the label's own forward return) appended: leak check {}; {} trained with it reaches test "
      "accuracy {:.3f} ({} the {:.2f} suspicion threshold) — {}",
      kPlantedLeakFeature, check_caught ? "flagged it" : "did NOT flag it", run->model, m.accuracy,
      accuracy_caught ? "above" : "not above", control.suspicious_accuracy,
      result.passed ? "leak detected, the run would be flagged" : "leak NOT detected: the safeguards are blind");
  return result;
}

}  // namespace kestrel::evaluation
