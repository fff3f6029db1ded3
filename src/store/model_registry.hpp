#pragma once
// The model registry: one row per model a pipeline trained and saved for trading, in the
// market-data store whose data trained it — which model, where its files are (and a checksum
// of them, to tell whether the folder still holds that model), the pipeline config's hash, the
// store's identity and data version, the label, the training window, the feature list and the
// validation and test metrics. `kestrel models list|show` read it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"

namespace kestrel::store {

struct RegisteredModel {
  std::int64_t id = 0;           // assigned by the store
  std::string name;              // the pipeline's model name, e.g. "xgboost"
  std::string kind;              // the ml::make_model kind it was made as
  std::string path;              // the saved folder (absolute)
  std::string files_checksum;    // model_files_checksum of the folder when registered
  std::string config_hash;       // the pipeline config that trained it
  std::string store_id;
  std::uint64_t data_version = 0;
  std::string label;             // e.g. "direction_1d"
  core::Date train_begin{}, train_end{};
  std::vector<std::string> features;
  std::string metrics;           // JSON object: validation (fit) and test metrics, the backtest's
  std::string created_at;        // ISO 8601 UTC
  // "trained"; "overwritten" once a later model used its folder; after `kestrel retrain`,
  // "champion", "challenger" (trained, not promoted) or "retired" (replaced by a challenger).
  std::string status = "trained";
};

// A checksum of every regular file under `dir` (names and contents, in name order), as 16 hex
// digits: a folder whose files changed since registration no longer holds the registered model.
core::Result<std::string> model_files_checksum(const std::filesystem::path& dir);

}  // namespace kestrel::store
