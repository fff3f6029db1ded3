#pragma once
// Makes a model by name; every model the pipeline and the evaluation know is listed here.
//   always_up, yesterday_direction, momentum_sign      baselines (ml/baselines.hpp)
//   logistic_regression                                 ml/logistic_regression.hpp
//   xgboost                                             ml_backends/xgboost_model.hpp  } loaded on first use
//   mlp, lstm, transformer                              ml_backends/neural_model.hpp   } (ml/model_backends.hpp)
//   ensemble_average, stacking                          ml/ensembles.hpp
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "features/feature_matrix.hpp"
#include "ml/model.hpp"
#include "ml/model_config.hpp"

namespace kestrel::ml {

// Every name make_model accepts, in a stable order.
std::vector<std::string> model_names();

// Fails on an unknown name, or when a baseline's feature is not in config.feature_names.
core::Result<std::unique_ptr<Model>> make_model(const std::string& name, const ModelConfig& config);

// The names of a view's columns (view.columns()), for ModelConfig::feature_names.
std::vector<std::string> feature_names_for(const features::FeatureMatrix& matrix,
                                           std::span<const std::size_t> columns);

}  // namespace kestrel::ml
