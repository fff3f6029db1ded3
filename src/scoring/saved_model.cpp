#include "scoring/saved_model.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ml/model_config.hpp"
#include "ml/model_factory.hpp"
#include "ml/model_files.hpp"

namespace kestrel::scoring {
namespace {

std::string_view nan_name(dataset::NanPolicy p) {
  switch (p) {
    case dataset::NanPolicy::Keep: return "keep";
    case dataset::NanPolicy::DropRow: return "drop_row";
    case dataset::NanPolicy::Zero: return "zero";
  }
  return "?";
}

}  // namespace

core::Status write_manifest(const std::filesystem::path& dir, const ModelManifest& m) {
  const nlohmann::json j = {{"model", m.model},
                            {"features", m.features},
                            {"benchmark", m.benchmark},
                            {"benchmark_sector", m.benchmark_sector},
                            {"lookback", m.lookback},
                            {"nan_policy", nan_name(m.nan_policy)},
                            {"label", m.label},
                            {"train_begin", m.train_begin.to_string()},
                            {"train_end", m.train_end.to_string()},
                            {"config_hash", m.config_hash},
                            {"seed", m.seed}};
  return ml::write_json(dir / kManifestFile, j);
}

core::Result<ModelManifest> read_manifest(const std::filesystem::path& dir) {
  const auto file = dir / kManifestFile;
  auto json = ml::read_json(file);
  if (!json) return std::unexpected(json.error());
  ModelManifest m;
  try {
    m.model = json->at("model").get<std::string>();
    m.features = json->at("features").get<std::vector<std::string>>();
    m.benchmark = json->at("benchmark").get<std::string>();
    m.benchmark_sector = json->value("benchmark_sector", std::string("Benchmark"));
    m.lookback = json->at("lookback").get<std::size_t>();
    const std::string nan = json->at("nan_policy").get<std::string>();
    if (nan == "zero") {
      m.nan_policy = dataset::NanPolicy::Zero;
    } else if (nan == "keep") {
      m.nan_policy = dataset::NanPolicy::Keep;
    } else if (nan == "drop_row") {
      m.nan_policy = dataset::NanPolicy::DropRow;
    } else {
      return core::fail_as(core::ErrorKind::Config, "{}: nan_policy '{}' (zero, keep or drop_row)", file.string(), nan);
    }
    m.label = json->at("label").get<std::string>();
    auto begin = core::Date::parse(json->at("train_begin").get<std::string>());
    auto end = core::Date::parse(json->at("train_end").get<std::string>());
    if (!begin || !end) return core::fail_as(core::ErrorKind::Config, "{}: train_begin/train_end are not dates", file.string());
    m.train_begin = *begin;
    m.train_end = *end;
    m.config_hash = json->value("config_hash", std::string());
    m.seed = json->value("seed", std::uint64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return core::fail_as(core::ErrorKind::Config, "{}: {}", file.string(), e.what());
  }
  if (m.features.empty()) return core::fail_as(core::ErrorKind::Config, "{}: no features listed", file.string());
  return m;
}

core::Result<SavedModel> load_saved_model(const std::filesystem::path& dir) {
  auto manifest = read_manifest(dir);
  if (!manifest) return std::unexpected(manifest.error());
  ml::ModelConfig config;
  config.feature_names = manifest->features;
  config.lookback = manifest->lookback;
  auto model = ml::make_model(manifest->model, config);
  if (!model) return core::fail("{}: {}", dir.string(), model.error().message);
  if (auto s = (*model)->load(dir); !s) return core::fail("{}: loading the model: {}", dir.string(), s.error().message);
  return SavedModel{std::move(*manifest), std::move(*model)};
}

}  // namespace kestrel::scoring
