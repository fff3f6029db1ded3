#pragma once
// The normalisation a model carries: a dataset::Normaliser (z-score or robust) fitted on
// the training samples' feature rows only, applied to every batch the model sees, with NaN
// replaced by 0 afterwards (the training centre) so networks and linear models get finite
// inputs. Serialised with the model as the Normaliser's JSON.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "dataset/batch.hpp"
#include "dataset/normaliser.hpp"
#include "ml/model_config.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

class FeatureScaler {
 public:
  // `rows` is a tabular batch of training samples; `names` labels its columns (may be
  // empty: "f0", "f1", ...).
  static FeatureScaler fit(dataset::NormaliserKind kind, float clip, const dataset::Batch& rows,
                           const std::vector<std::string>& names);
  // Transforms x in place (tabular or sequence batches); fails on a feature-count mismatch.
  core::Status apply(dataset::Batch& batch) const;

  std::size_t num_features() const { return normaliser_.names().size(); }
  std::string to_json() const { return normaliser_.to_json(); }
  static core::Result<FeatureScaler> from_json(std::string_view text);

 private:
  dataset::Normaliser normaliser_;
};

// The scaler of `config` fitted on at most config.normaliser_max_rows evenly spaced
// training rows (their features at t), columns named by config.feature_names.
core::Result<FeatureScaler> fit_scaler(const ModelConfig& config, const SampleSet& train, Rows train_rows);

}  // namespace kestrel::ml
