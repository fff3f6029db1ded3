#pragma once
// What the models module (kestrel-models.so) does once loaded: make the models that need
// LibTorch or XGBoost, and run the training-step benchmark. The host reaches these through
// ml/model_backends.hpp; tests that link this library may call them directly.
#include <memory>
#include <string>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_config.hpp"
#include "ml/train_step_bench.hpp"

namespace kestrel::ml {

core::Result<std::unique_ptr<Model>> make_backend_model_in_process(const std::string& name, const ModelConfig& config);
core::Result<StepBenchResult> run_step_bench_in_process(const StepBenchOptions& options);

}  // namespace kestrel::ml
