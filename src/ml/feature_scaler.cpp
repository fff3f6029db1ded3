#include "ml/feature_scaler.hpp"

#include <cmath>

#include "features/feature_matrix.hpp"

namespace kestrel::ml {

FeatureScaler FeatureScaler::fit(dataset::NormaliserKind kind, float clip, const dataset::Batch& rows,
                                 const std::vector<std::string>& names) {
  // The training rows as a one-"ticker" matrix whose dates are the samples: the pooled
  // statistics over it are exactly those over the training samples.
  const std::size_t n = rows.size;
  const std::size_t f = rows.num_features;
  features::FeatureMatrix matrix;
  if (names.size() == f) {
    matrix.names = names;
  } else {
    for (std::size_t j = 0; j < f; ++j) matrix.names.push_back(fmt::format("f{}", j));
  }
  matrix.tickers = {"train"};
  matrix.dates.resize(n);
  matrix.values.resize(n * f);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < f; ++j) matrix.values[j * n + i] = rows.x[i * f + j];
  }
  FeatureScaler scaler;
  scaler.normaliser_ = dataset::Normaliser::fit(kind, matrix, {0, n}, clip);
  return scaler;
}

core::Status FeatureScaler::apply(dataset::Batch& batch) const {
  const std::size_t f = num_features();
  if (batch.num_features != f) {
    return core::fail("model input has {} features but the model was trained on {}", batch.num_features, f);
  }
  for (std::size_t i = 0; i < batch.x.size(); ++i) {
    const float y = normaliser_.transform(i % f, batch.x[i]);
    batch.x[i] = std::isfinite(y) ? y : 0.0f;
  }
  return {};
}

core::Result<FeatureScaler> FeatureScaler::from_json(std::string_view text) {
  auto normaliser = dataset::Normaliser::from_json(text);
  if (!normaliser) return std::unexpected(normaliser.error());
  FeatureScaler scaler;
  scaler.normaliser_ = std::move(*normaliser);
  return scaler;
}

core::Result<FeatureScaler> fit_scaler(const ModelConfig& config, const SampleSet& train, Rows train_rows) {
  if (train_rows.empty()) return core::fail("cannot fit the normaliser: no training samples");
  const auto rows = evenly_spaced(train_rows, config.normaliser_max_rows);
  auto batch = current_rows(train, rows);
  if (!batch) return std::unexpected(batch.error());
  return FeatureScaler::fit(config.normaliser, config.normaliser_clip, *batch, config.feature_names);
}

}  // namespace kestrel::ml
