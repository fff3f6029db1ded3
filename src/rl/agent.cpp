#include "rl/agent.hpp"

#include <mutex>

#include "core/loadable_module.hpp"

namespace kestrel::rl {

namespace {

using MakeAgentFn = Agent* (*)(const AgentSpec*, std::string*);

struct AgentModule {
  MakeAgentFn make = nullptr;
  std::string error;
};

const AgentModule& agent_module() {
  static std::once_flag once;
  static AgentModule m;
  std::call_once(once, [] {
    const core::LoadedModule loaded = core::load_module("kestrel-models.so", "KESTREL_MODELS_LIB", KESTREL_MODELS_BUILD_PATH);
    if (loaded.handle == nullptr) {
      m.error = loaded.error;
      return;
    }
    m.make = reinterpret_cast<MakeAgentFn>(loaded.symbol("kestrel_models_make_agent"));
    if (m.make == nullptr) m.error = "kestrel-models.so: has no RL agents (rebuild it)";
  });
  return m;
}

}  // namespace

core::Result<std::unique_ptr<Agent>> make_agent(const AgentSpec& spec) {
  if (spec.kind != "ppo" && spec.kind != "dqn") {
    return core::fail_as(core::ErrorKind::Config, "unknown agent '{}' (ppo or dqn)", spec.kind);
  }
  if (spec.kind == "dqn" && spec.action_space.kind != ActionSpace::Kind::Discrete) {
    return core::fail_as(core::ErrorKind::Config, "dqn needs a discrete action space (the timing control)");
  }
  const AgentModule& m = agent_module();
  if (m.make == nullptr) {
    return core::fail_as(core::ErrorKind::Unavailable, "agent '{}' needs the LibTorch module: {}", spec.kind, m.error);
  }
  std::string error;
  Agent* agent = m.make(&spec, &error);
  if (agent == nullptr) return core::fail("{}", error);
  return std::unique_ptr<Agent>(agent);
}

}  // namespace kestrel::rl
