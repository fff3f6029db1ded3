#include "ml/model_files.hpp"

#include <fstream>

#include "store/text_file.hpp"

namespace kestrel::dataset {
NLOHMANN_JSON_SERIALIZE_ENUM(NormaliserKind, {{NormaliserKind::ZScore, "zscore"},
                                              {NormaliserKind::Robust, "robust"},
                                              {NormaliserKind::CrossSectionalRank, "rank"}})
}  // namespace kestrel::dataset

namespace kestrel::ml {

NLOHMANN_JSON_SERIALIZE_ENUM(LrSchedule, {{LrSchedule::Constant, "constant"},
                                          {LrSchedule::Cosine, "cosine"},
                                          {LrSchedule::Step, "step"}})

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ModelConfig, preset, feature_names, normaliser, normaliser_clip,
                                   normaliser_max_rows, momentum_feature, yesterday_feature, logistic_l2,
                                   logistic_max_iterations, epochs, batch_size, learning_rate, weight_decay,
                                   patience, lr_schedule, lr_step_epochs, lr_step_gamma, grad_clip,
                                   class_weights, dropout, max_train_samples, device, mlp_hidden, lstm_hidden,
                                   lstm_layers, d_model, heads, layers, ff_dim, lookback, xgb_rounds,
                                   xgb_max_depth, xgb_eta, xgb_subsample, xgb_colsample, xgb_min_child_weight,
                                   xgb_lambda, xgb_early_stopping, members, stacking_folds,
                                   stacking_purge_dates)

std::string single_model_settings(const ModelConfig& config) {
  auto json = config_to_json(config);
  for (const char* key : {"members", "stacking_folds", "stacking_purge_dates"}) json.erase(key);
  return json.dump();
}

core::Status write_json(const std::filesystem::path& file, const nlohmann::json& json) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) return core::fail("{}: cannot create folder: {}", file.parent_path().string(), ec.message());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << json.dump(1) << '\n';
  out.close();
  if (!out) return core::fail("{}: cannot write", file.string());
  return {};
}

core::Result<nlohmann::json> read_json(const std::filesystem::path& file) {
  auto text = store::read_text_file(file);
  if (!text) return std::unexpected(text.error());
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    return core::fail("{}: not valid JSON: {}", file.string(), e.what());
  }
}

core::Result<nlohmann::json> read_model_json(const std::filesystem::path& dir, std::string_view name) {
  auto json = read_json(dir / "model.json");
  if (!json) return json;
  const std::string saved = json->value("name", std::string{});
  if (saved != name) {
    return core::fail("{}: holds a '{}' model, not '{}'", (dir / "model.json").string(), saved, name);
  }
  return json;
}

nlohmann::json config_to_json(const ModelConfig& config) { return config; }

core::Result<ModelConfig> config_from_json(const nlohmann::json& json) {
  try {
    return json.get<ModelConfig>();
  } catch (const nlohmann::json::exception& e) {
    return core::fail("model config: {}", e.what());
  }
}

core::Result<NormalisedModelState> normalised_model_from_json(const nlohmann::json& json,
                                                              const std::filesystem::path& file) {
  try {
    auto config = config_from_json(json.at("config"));
    if (!config) return std::unexpected(config.error());
    auto scaler = FeatureScaler::from_json(json.at("normaliser").dump());
    if (!scaler) return std::unexpected(scaler.error());
    return NormalisedModelState{std::move(*config), std::move(*scaler), json.value("binary", true)};
  } catch (const nlohmann::json::exception& e) {
    return core::fail("{}: {}", file.string(), e.what());
  }
}

}  // namespace kestrel::ml
