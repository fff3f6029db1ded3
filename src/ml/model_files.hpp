#pragma once
// Reading and writing the files of a saved model folder: model.json holds the model's name,
// its config, its normaliser and any small fitted parameters; larger artefacts (network
// weights, boosters, ensemble members) sit beside it.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "ml/model_config.hpp"

namespace kestrel::ml {

core::Status write_json(const std::filesystem::path& file, const nlohmann::json& json);
core::Result<nlohmann::json> read_json(const std::filesystem::path& file);
// Checks that a saved model.json belongs to a model called `name`.
core::Result<nlohmann::json> read_model_json(const std::filesystem::path& dir, std::string_view name);

nlohmann::json config_to_json(const ModelConfig& config);
core::Result<ModelConfig> config_from_json(const nlohmann::json& json);

}  // namespace kestrel::ml
