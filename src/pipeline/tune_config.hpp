#pragma once
// What `kestrel tune` searches, declared before it runs (so the count of trials behind the
// best one is honest): a pipeline config, the model whose parameters vary, the search space
// as dotted keys of that pipeline config, the search method and its budget.
//
//   name = "xgb-depth"
//   pipeline = "sample.toml"        # relative to this file
//   model = "xgboost"
//   search = "halving"              # or "random"
//   trials = 9                      # every trial counts in the deflated Sharpe ratio
//   eta = 3                         # halving: keep the best 1/eta at each rung
//   seed = 7
//   cost_bps = 10                   # one-way cost per traded dollar in the objective
//   [params]
//   "model.xgboost.xgb_max_depth" = { int = [2, 6] }
//   "model.xgboost.xgb_eta" = { log_uniform = [0.02, 0.3] }
//   "backtest.top_k" = { choice = [3, 5, 8] }
//
// Keys under data, label, features and evaluation are refused: trials must be compared on the
// same data, labels and folds.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace kestrel::pipeline {

struct TuneParam {
  enum class Kind { Choice, Integer, Uniform, LogUniform };
  std::string key;
  Kind kind = Kind::Choice;
  nlohmann::json choices = nlohmann::json::array();  // Choice: numbers, strings or booleans
  double lo = 0, hi = 0;                             // Integer, Uniform, LogUniform (inclusive)
};

struct TuneConfig {
  enum class Search { Random, Halving };
  std::string name;
  std::filesystem::path pipeline;
  std::string model;
  Search search = Search::Halving;
  std::size_t trials = 20;
  std::size_t eta = 3;
  std::uint64_t seed = 42;
  double cost_bps = 10;
  std::vector<TuneParam> params;
  std::string hash;  // of the file's text: a study is its name and this hash
};

core::Result<TuneConfig> parse_tune_config(std::string_view text, std::string_view source,
                                           const std::filesystem::path& base_dir);
core::Result<TuneConfig> read_tune_config(const std::filesystem::path& path);

// A trial's parameter values, key by key, drawn from the space with the config's seed: the
// same config gives the same trials.
std::vector<nlohmann::json> sample_trials(const TuneConfig& config);

}  // namespace kestrel::pipeline
