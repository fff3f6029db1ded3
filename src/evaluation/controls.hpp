#pragma once
// The controls every evaluation runs, because a good-looking number proves nothing until
// the same machinery is shown to fail where it must:
//   shuffled labels  the training and validation labels are permuted (test labels stay
//                    true); a model trained on them can only be at chance on the test window.
//                    If its AUC strays from 0.5 by more than the tolerance, the evaluation
//                    itself leaks (e.g. test information in the features) and is flagged.
//   planted leak     the next-period forward return is appended as a feature. The leak check
//                    (dataset/leak_check.hpp) must flag it, and a model trained with it must
//                    show implausible accuracy (> suspicious_accuracy): if neither happens
//                    the safeguards are blind and the run is flagged.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "dataset/splits.hpp"
#include "evaluation/walk_forward_run.hpp"

namespace kestrel::evaluation {

struct ControlOptions {
  double auc_tolerance = 0.05;         // shuffled labels: |AUC - 0.5| allowed
  double suspicious_accuracy = 0.60;   // daily direction above this is leakage, not skill
  std::uint64_t seed = 7;
};

struct ControlResult {
  std::string name;     // "shuffled_labels", "planted_leak"
  bool passed = false;  // the control behaved as it must
  std::string detail;   // one sentence with the figures
  MetricRow metrics;    // of the control model on the test window
};

core::Result<ControlResult> shuffled_label_control(const ModelMaker& make, const EvaluationData& data,
                                                   const dataset::Fold& fold, const RunOptions& options,
                                                   const ControlOptions& control);

inline constexpr const char* kPlantedLeakFeature = "planted_next_return";

core::Result<ControlResult> planted_leak_control(const ModelMaker& make, const EvaluationData& data,
                                                 const dataset::Fold& fold, const RunOptions& options,
                                                 const ControlOptions& control);

}  // namespace kestrel::evaluation
