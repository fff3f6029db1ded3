#include "ml/model_config.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>

#include "core/toml_reader.hpp"

namespace kestrel::ml {

std::string_view to_string(LrSchedule schedule) {
  switch (schedule) {
    case LrSchedule::Constant: return "constant";
    case LrSchedule::Cosine: return "cosine";
    case LrSchedule::Step: return "step";
  }
  return "?";
}

core::Result<ModelConfig> preset_config(std::string_view preset) {
  ModelConfig config;
  if (preset == "cpu") return config;
  if (preset == "transformer_plan") {
    config.preset = "transformer_plan";
    config.d_model = 512;
    config.heads = 8;
    config.layers = 6;
    config.ff_dim = 2048;
    config.lookback = 90;
    config.device = "auto";
    config.batch_size = 256;
    config.learning_rate = 1e-4;
    config.max_train_samples = 0;
    return config;
  }
  return core::fail("unknown preset '{}' (known: cpu, transformer_plan)", preset);
}

core::Result<ModelConfig> parse_model_config(const toml::table& table, std::string_view source,
                                             std::string_view path) {
  core::TomlReader r{std::string(source)};
  ModelConfig c;
  if (const toml::node* p = table.get("preset")) {
    std::string name;
    r.text(*p, core::join(path, "preset"), name);
    if (!name.empty()) {
      auto preset = preset_config(name);
      if (preset) {
        c = std::move(*preset);
      } else {
        r.error(p, core::join(path, "preset"), preset.error().message);
      }
    }
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  using Handler = std::function<void(const toml::node&, std::string_view)>;
  const std::map<std::string_view, Handler> keys{
      {"preset", [](const toml::node&, std::string_view) {}},
      {"feature_names", [&](const toml::node& n, std::string_view k) { r.strings(n, k, c.feature_names); }},
      {"normaliser",
       [&](const toml::node& n, std::string_view k) {
         std::string name;
         r.text(n, k, name);
         if (name.empty()) return;
         auto kind = dataset::parse_normaliser_kind(name);
         if (!kind) return r.error(&n, k, kind.error().message);
         if (*kind == dataset::NormaliserKind::CrossSectionalRank) {
           return r.error(&n, k,
                          "a per-date rank needs the whole cross-section: apply it to the feature matrix "
                          "before building the views, and use zscore or robust here");
         }
         c.normaliser = *kind;
       }},
      {"normaliser_clip",
       [&](const toml::node& n, std::string_view k) {
         double v = c.normaliser_clip;
         r.number(n, k, v, 0, 1e6);
         c.normaliser_clip = static_cast<float>(v);
       }},
      {"normaliser_max_rows", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.normaliser_max_rows, 100); }},
      {"momentum_feature", [&](const toml::node& n, std::string_view k) { r.text(n, k, c.momentum_feature); }},
      {"yesterday_feature", [&](const toml::node& n, std::string_view k) { r.text(n, k, c.yesterday_feature); }},
      {"logistic_l2", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.logistic_l2, 0, kInf); }},
      {"logistic_max_iterations", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.logistic_max_iterations, 1); }},
      {"epochs", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.epochs, 1); }},
      {"batch_size", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.batch_size, 1); }},
      {"learning_rate", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.learning_rate, 1e-9, 10); }},
      {"weight_decay", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.weight_decay, 0, 10); }},
      {"patience", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.patience, 1); }},
      {"lr_schedule",
       [&](const toml::node& n, std::string_view k) {
         std::string name;
         r.text(n, k, name);
         if (name == "constant") c.lr_schedule = LrSchedule::Constant;
         else if (name == "cosine") c.lr_schedule = LrSchedule::Cosine;
         else if (name == "step") c.lr_schedule = LrSchedule::Step;
         else if (!name.empty()) r.error(&n, k, "expected constant, cosine or step");
       }},
      {"lr_step_epochs", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.lr_step_epochs, 1); }},
      {"lr_step_gamma", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.lr_step_gamma, 1e-6, 1); }},
      {"grad_clip", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.grad_clip, 0, kInf); }},
      {"class_weights", [&](const toml::node& n, std::string_view k) { r.boolean(n, k, c.class_weights); }},
      {"dropout", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.dropout, 0, 0.9); }},
      {"max_train_samples", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.max_train_samples, 0); }},
      {"device",
       [&](const toml::node& n, std::string_view k) {
         std::string name;
         r.text(n, k, name);
         if (name == "auto" || name == "cpu" || name == "cuda") c.device = name;
         else if (!name.empty()) r.error(&n, k, "expected auto, cpu or cuda");
       }},
      {"mlp_hidden", [&](const toml::node& n, std::string_view k) { r.positive_integers(n, k, c.mlp_hidden); }},
      {"lstm_hidden", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.lstm_hidden, 1); }},
      {"lstm_layers", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.lstm_layers, 1); }},
      {"d_model", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.d_model, 1); }},
      {"heads", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.heads, 1); }},
      {"layers", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.layers, 1); }},
      {"ff_dim", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.ff_dim, 1); }},
      {"lookback", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.lookback, 1); }},
      {"xgb_rounds", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.xgb_rounds, 1); }},
      {"xgb_max_depth", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.xgb_max_depth, 1); }},
      {"xgb_eta", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.xgb_eta, 1e-6, 1); }},
      {"xgb_subsample", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.xgb_subsample, 1e-3, 1); }},
      {"xgb_colsample", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.xgb_colsample, 1e-3, 1); }},
      {"xgb_min_child_weight", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.xgb_min_child_weight, 0, kInf); }},
      {"xgb_lambda", [&](const toml::node& n, std::string_view k) { r.number(n, k, c.xgb_lambda, 0, kInf); }},
      {"xgb_early_stopping", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.xgb_early_stopping, 1); }},
      {"members", [&](const toml::node& n, std::string_view k) { r.strings(n, k, c.members); }},
      {"stacking_folds", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.stacking_folds, 2); }},
      {"stacking_purge_dates", [&](const toml::node& n, std::string_view k) { r.count(n, k, c.stacking_purge_dates, 0); }},
  };
  for (const auto& [key, node] : table) {
    const auto it = keys.find(key.str());
    if (it == keys.end()) {
      r.error(&node, core::join(path, key.str()), "unknown key");
      continue;
    }
    it->second(node, core::join(path, key.str()));
  }
  if (c.d_model % c.heads != 0) {
    r.errors.push_back(fmt::format("{}: {}: d_model {} must be divisible by heads {}", source, path, c.d_model, c.heads));
  }
  if (!r.errors.empty()) {
    std::string all;
    for (const auto& e : r.errors) all += (all.empty() ? "" : "\n") + e;
    return core::fail("{}", all);
  }
  return c;
}

}  // namespace kestrel::ml
