#include "ml/model_backends.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "ml/train_step_bench.hpp"

namespace kestrel::ml {
namespace {

using MakeFn = Model* (*)(const std::string*, const ModelConfig*, std::string*);
using StepBenchFn = int (*)(const StepBenchOptions*, StepBenchResult*, std::string*);
using AbiFn = int (*)();
constexpr int kAbiVersion = 1;
constexpr const char* kModuleName = "kestrel-models.so";

struct Module {
  MakeFn make = nullptr;
  StepBenchFn step_bench = nullptr;
  std::string error;  // why it could not be loaded
};

std::vector<std::filesystem::path> candidates() {
  std::vector<std::filesystem::path> out;
  if (const char* env = std::getenv("KESTREL_MODELS_LIB"); env != nullptr && *env != '\0') out.emplace_back(env);
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back(exe.parent_path() / kModuleName);
    out.push_back(exe.parent_path() / ".." / "lib" / "kestrel" / kModuleName);
  }
#ifdef KESTREL_MODELS_BUILD_PATH
  out.emplace_back(KESTREL_MODELS_BUILD_PATH);
#endif
  return out;
}

// Loaded once per process and never unloaded: models made by it may live to the end.
const Module& module() {
  static std::once_flag once;
  static Module m;
  std::call_once(once, [] {
    std::string tried;
    for (const auto& path : candidates()) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) continue;
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) {
        m.error = fmt::format("{}: {}", path.string(), dlerror());
        return;
      }
      auto abi = reinterpret_cast<AbiFn>(dlsym(handle, "kestrel_models_abi_version"));
      m.make = reinterpret_cast<MakeFn>(dlsym(handle, "kestrel_models_make"));
      m.step_bench = reinterpret_cast<StepBenchFn>(dlsym(handle, "kestrel_models_step_bench"));
      if (abi == nullptr || m.make == nullptr || m.step_bench == nullptr || abi() != kAbiVersion) {
        m.make = nullptr;
        m.error = fmt::format("{}: not a models module of this kestrel (rebuild it)", path.string());
      }
      return;
    }
    m.error = fmt::format("{} not found (looked in: {}); set KESTREL_MODELS_LIB", kModuleName, tried);
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
