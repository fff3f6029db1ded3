// The C entry points of kestrel-models.so, the separately loaded module with every model that
// needs LibTorch or XGBoost, and the RL agents (ml/model_backends.hpp loads it on first use). Same compiler, same
// standard library on both sides: C++ types pass by pointer; the C linkage only fixes the names.
#include <string>

#include "ml_backends/in_process.hpp"
#include "rl_agents/make_agent.hpp"

extern "C" {

int kestrel_models_abi_version() { return 1; }

kestrel::ml::Model* kestrel_models_make(const std::string* name, const kestrel::ml::ModelConfig* config,
                                        std::string* error) {
  auto model = kestrel::ml::make_backend_model_in_process(*name, *config);
  if (!model) {
    *error = model.error().message;
    return nullptr;
  }
  return model->release();
}

int kestrel_models_step_bench(const kestrel::ml::StepBenchOptions* options, kestrel::ml::StepBenchResult* result,
                              std::string* error) {
  auto r = kestrel::ml::run_step_bench_in_process(*options);
  if (!r) {
    *error = r.error().message;
    return 1;
  }
  *result = *r;
  return 0;
}

kestrel::rl::Agent* kestrel_models_make_agent(const kestrel::rl::AgentSpec* spec, std::string* error) {
  auto agent = kestrel::rl::make_agent_in_process(*spec);
  if (!agent) {
    *error = agent.error().message;
    return nullptr;
  }
  return agent->release();
}

}  // extern "C"
