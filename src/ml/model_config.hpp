#pragma once
// Hyper-parameters of every model the factory (ml/model_factory.hpp) makes, in one flat
// struct: each model reads the fields of its family and ignores the rest, so an ensemble's
// members share one config (a stacking of lstm + xgboost reads the lstm_* and xgb_* keys).
//
// Defaults are the CPU preset: sized so data/sample trains in minutes on 2 cores. The
// preset "transformer_plan" is the plan's Transformer (d_model 512, 8 heads, 6 layers,
// 90-day sequences) on CUDA when present. Parsed from a TOML table (parse_model_config):
// unknown keys are errors and every problem is reported at once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/error.hpp"
#include "dataset/normaliser.hpp"

namespace kestrel::ml {

enum class LrSchedule : std::uint8_t { Constant, Cosine, Step };
std::string_view to_string(LrSchedule schedule);

struct ModelConfig {
  std::string preset = "cpu";  // "cpu" or "transformer_plan" (applied before the table's keys)

  // Features as the views present them (names of the view's columns, in order). Needed by
  // momentum_sign and yesterday_direction to find their feature; the caller fills it from
  // the FeatureMatrix (feature_names_for in model_factory.hpp).
  std::vector<std::string> feature_names{};

  // Normalisation (fitted on the training samples only, stored with the model). Tree models
  // ignore it: splits are invariant to monotone transforms.
  dataset::NormaliserKind normaliser = dataset::NormaliserKind::ZScore;
  float normaliser_clip = 5.0f;             // |z| <= clip; 0 = no clipping
  std::size_t normaliser_max_rows = 200'000;  // evenly spaced training rows used for the fit

  // Baselines.
  std::string momentum_feature = "ret_20d";
  std::string yesterday_feature = "ret_1d";

  // Logistic regression (Newton / IRLS with an L2 penalty on the weights, not the bias).
  double logistic_l2 = 1.0;
  int logistic_max_iterations = 25;

  // Neural models, shared trainer.
  int epochs = 20;
  std::size_t batch_size = 256;
  double learning_rate = 1e-3;
  double weight_decay = 1e-4;
  int patience = 4;                 // epochs without validation-loss improvement
  LrSchedule lr_schedule = LrSchedule::Cosine;
  int lr_step_epochs = 5;           // Step: multiply by lr_step_gamma every lr_step_epochs
  double lr_step_gamma = 0.5;
  double grad_clip = 1.0;           // max global L2 norm; 0 = off
  bool class_weights = true;        // balanced: each class contributes half the loss
  double dropout = 0.1;
  std::size_t max_train_samples = 200'000;  // evenly spaced subsample on CPU; 0 = all
  std::string device = "auto";      // "auto" (CUDA if available), "cpu", "cuda"

  // MLP.
  std::vector<std::int64_t> mlp_hidden{64, 32};
  // LSTM.
  std::int64_t lstm_hidden = 64;
  std::int64_t lstm_layers = 2;
  // Transformer encoder.
  std::int64_t d_model = 64;
  std::int64_t heads = 4;
  std::int64_t layers = 2;
  std::int64_t ff_dim = 128;
  // Sequence length the caller should build the SequenceView with; the networks take
  // whatever lookback the view has.
  std::size_t lookback = 30;

  // XGBoost (hist).
  int xgb_rounds = 300;
  int xgb_max_depth = 4;
  double xgb_eta = 0.05;
  double xgb_subsample = 0.8;
  double xgb_colsample = 0.8;
  double xgb_min_child_weight = 20;
  double xgb_lambda = 1.0;
  int xgb_early_stopping = 30;

  // Ensembles: members by factory name; they all read this config.
  std::vector<std::string> members{"logistic_regression", "xgboost", "mlp"};
  // Stacking: out-of-fold predictions from `stacking_folds` forward-chained date blocks of
  // the training window, purging `stacking_purge_dates` dates before each predicted block
  // (set >= label horizon + embargo).
  int stacking_folds = 4;
  std::size_t stacking_purge_dates = 5;
};

// The preset's defaults: "cpu" or "transformer_plan"; fails on other names.
core::Result<ModelConfig> preset_config(std::string_view preset);

// Reads a model table, e.g. [models.lstm] of a pipeline config: `preset` first, then every
// other key overrides it. `source` names the file for messages ("file:line:column: key: ...").
core::Result<ModelConfig> parse_model_config(const toml::table& table, std::string_view source,
                                             std::string_view path = "model");

}  // namespace kestrel::ml
