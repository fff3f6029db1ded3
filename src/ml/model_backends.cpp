#include "ml/model_backends.hpp"

#include <mutex>

#include <fmt/format.h>

#include "core/loadable_module.hpp"
#include "ml/train_step_bench.hpp"

namespace kestrel::ml {
namespace {

using MakeFn = Model* (*)(const std::string*, const ModelConfig*, std::string*);
using StepBenchFn = int (*)(const StepBenchOptions*, StepBenchResult*, std::string*);
using AbiFn = int (*)();
constexpr int kAbiVersion = 1;

struct Module {
  MakeFn make = nullptr;
  StepBenchFn step_bench = nullptr;
  std::string error;  // why it could not be loaded
};

const Module& module() {
  static std::once_flag once;
  static Module m;
  std::call_once(once, [] {
    const core::LoadedModule loaded = core::load_module("kestrel-models.so", "KESTREL_MODELS_LIB", KESTREL_MODELS_BUILD_PATH);
    if (loaded.handle == nullptr) {
      m.error = loaded.error;
      return;
    }
    auto abi = reinterpret_cast<AbiFn>(loaded.symbol("kestrel_models_abi_version"));
    m.make = reinterpret_cast<MakeFn>(loaded.symbol("kestrel_models_make"));
    m.step_bench = reinterpret_cast<StepBenchFn>(loaded.symbol("kestrel_models_step_bench"));
    if (abi == nullptr || m.make == nullptr || m.step_bench == nullptr || abi() != kAbiVersion) {
      m.make = nullptr;
      m.error = "kestrel-models.so: not a models module of this kestrel (rebuild it)";
    }
  });
  return m;
}

}  // namespace

bool is_backend_model(std::string_view name) {
  return name == "xgboost" || name == "mlp" || name == "lstm" || name == "transformer";
}

core::Result<std::unique_ptr<Model>> make_backend_model(const std::string& name, const ModelConfig& config) {
  const Module& m = module();
  if (m.make == nullptr) {
    return core::fail_as(core::ErrorKind::Unavailable, "model '{}' needs the LibTorch/XGBoost module: {}", name, m.error);
  }
  std::string error;
  Model* model = m.make(&name, &config, &error);
  if (model == nullptr) return core::fail("{}", error);
  return std::unique_ptr<Model>(model);
}

core::Result<StepBenchResult> run_step_bench(const StepBenchOptions& options) {
  const Module& m = module();
  if (m.step_bench == nullptr) {
    return core::fail_as(core::ErrorKind::Unavailable, "bench train needs the LibTorch module: {}", m.error);
  }
  StepBenchResult result;
  std::string error;
  if (m.step_bench(&options, &result, &error) != 0) return core::fail("{}", error);
  return result;
}

ModelConfig benchmark_networks() {
  ModelConfig config;
  config.lstm_hidden = 128;
  config.lstm_layers = 2;
  config.d_model = 128;
  config.heads = 4;
  config.layers = 2;
  config.ff_dim = 256;
  config.dropout = 0.1;
  return config;
}

}  // namespace kestrel::ml
