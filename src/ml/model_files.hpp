#pragma once
// Reading and writing the files of a saved model folder: model.json holds the model's name,
// its config, its normaliser and any small fitted parameters; larger artefacts (network
// weights, boosters, ensemble members) sit beside it.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ml/feature_scaler.hpp"
#include "ml/model_config.hpp"

namespace kestrel::ml {

core::Status write_json(const std::filesystem::path& file, const nlohmann::json& json);
core::Result<nlohmann::json> read_json(const std::filesystem::path& file);
// Checks that a saved model.json belongs to a model called `name`.
core::Result<nlohmann::json> read_model_json(const std::filesystem::path& dir, std::string_view name);

nlohmann::json config_to_json(const ModelConfig& config);
core::Result<ModelConfig> config_from_json(const nlohmann::json& json);
// A single (non-ensemble) model's SampleModel::fit_settings: its config without the ensemble
// keys (members, stacking_*), which it ignores, so that an ensemble's member and the
// standalone model of the same name compare equal.
std::string single_model_settings(const ModelConfig& config);

// What every normalised model keeps in model.json: its config, its fitted normaliser and
// whether it predicts a probability. `file` names model.json in messages.
struct NormalisedModelState {
  ModelConfig config;
  FeatureScaler scaler;
  bool binary = true;
};
core::Result<NormalisedModelState> normalised_model_from_json(const nlohmann::json& json,
                                                              const std::filesystem::path& file);

}  // namespace kestrel::ml
