#include "ml/model_factory.hpp"

#include <algorithm>

#include "ml/baselines.hpp"
#include "ml/ensembles.hpp"
#include "ml/logistic_regression.hpp"
#include "ml/model_backends.hpp"

namespace kestrel::ml {
namespace {

core::Result<std::size_t> column_of(const ModelConfig& config, const std::string& model, const std::string& feature) {
  const auto it = std::find(config.feature_names.begin(), config.feature_names.end(), feature);
  if (it == config.feature_names.end()) {
    if (config.feature_names.empty()) {
      return core::fail("{}: needs the view's feature names (ModelConfig::feature_names) to find '{}'", model,
                        feature);
    }
    return core::fail("{}: feature '{}' is not among the {} features of the view", model, feature,
                      config.feature_names.size());
  }
  return static_cast<std::size_t>(it - config.feature_names.begin());
}

}  // namespace

std::vector<std::string> model_names() {
  return {"always_up", "yesterday_direction", "momentum_sign",
          "logistic_regression", "xgboost", "mlp", "lstm", "transformer", "ensemble_average", "stacking"};
}

core::Result<std::unique_ptr<Model>> make_model(const std::string& name, const ModelConfig& config) {
  if (name == "always_up") return std::make_unique<AlwaysUp>();
  if (name == "yesterday_direction" || name == "momentum_sign") {
    const std::string& feature = name == "momentum_sign" ? config.momentum_feature : config.yesterday_feature;
    auto column = column_of(config, name, feature);
    if (!column) return std::unexpected(column.error());
    return std::make_unique<SignBaseline>(name, feature, *column);
  }
  if (name == "logistic_regression") return std::make_unique<LogisticRegression>(config);
  if (is_backend_model(name)) return make_backend_model(name, config);
  if (name == "ensemble_average") return std::make_unique<EnsembleAverage>(config);
  if (name == "stacking") return std::make_unique<Stacking>(config);
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  return core::fail("unknown model '{}' (known: {})", name, known);
}

std::vector<std::string> feature_names_for(const features::FeatureMatrix& matrix,
                                           std::span<const std::size_t> columns) {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (std::size_t c : columns) names.push_back(c < matrix.names.size() ? matrix.names[c] : fmt::format("f{}", c));
  return names;
}

}  // namespace kestrel::ml
