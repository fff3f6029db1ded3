#pragma once
// A trained model as the pipeline saves it for trading: the model's own folder (its weights
// and fitted normaliser, ml::Model::save) plus kestrel-model.json, the manifest that says how
// to rebuild exactly the inputs it was trained on — the feature list, the benchmark the
// features refer to, the sequence lookback, the NaN policy — and what it predicts.
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "dataset/batch.hpp"
#include "ml/model.hpp"

namespace kestrel::scoring {

struct ModelManifest {
  std::string model;                       // ml::make_model name
  std::vector<std::string> features;       // in the column order the model was trained on
  std::string benchmark = "SPY";           // features::FeatureOptions::benchmark
  std::string benchmark_sector = "Benchmark";
  std::size_t lookback = 30;               // sequence models' window
  dataset::NanPolicy nan_policy = dataset::NanPolicy::Zero;
  std::string label;                       // e.g. "direction_1d": what the score predicts
  core::Date train_begin{}, train_end{};   // the training window (last label date included)
  std::string config_hash;                 // the pipeline config that trained it
  std::uint64_t seed = 0;

  // Direction and outperformance models score a probability of "up"; fwd_return models an
  // expected return.
  bool predicts_probability() const { return !label.starts_with("fwd_return"); }
};

inline constexpr std::string_view kManifestFile = "kestrel-model.json";

core::Status write_manifest(const std::filesystem::path& dir, const ModelManifest& manifest);
core::Result<ModelManifest> read_manifest(const std::filesystem::path& dir);

struct SavedModel {
  ModelManifest manifest;
  std::unique_ptr<ml::Model> model;
};

// Reads the manifest and loads the model it names from the same folder.
core::Result<SavedModel> load_saved_model(const std::filesystem::path& dir);

}  // namespace kestrel::scoring
