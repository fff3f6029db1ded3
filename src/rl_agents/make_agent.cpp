#include "rl_agents/make_agent.hpp"

#include "rl_agents/dqn.hpp"
#include "rl_agents/ppo.hpp"

namespace kestrel::rl {

core::Result<std::unique_ptr<Agent>> make_agent_in_process(const AgentSpec& spec) {
  const bool resume = !spec.resume_from.empty();
  if (spec.kind == "ppo") {
    if (!resume) return std::make_unique<PpoAgent>(spec.observation_size, spec.action_space, spec.ppo);
    auto loaded = PpoAgent::load(spec.resume_from, spec.observation_size, spec.action_space, spec.ppo);
    if (!loaded) return std::unexpected(loaded.error());
    return std::make_unique<PpoAgent>(std::move(*loaded));
  }
  if (spec.kind == "dqn") {
    if (spec.action_space.kind != ActionSpace::Kind::Discrete) {
      return core::fail_as(core::ErrorKind::Config, "dqn needs a discrete action space");
    }
    if (!resume) return std::make_unique<DqnAgent>(spec.observation_size, spec.action_space.actions, spec.dqn);
    auto loaded = DqnAgent::load(spec.resume_from, spec.observation_size, spec.action_space.actions, spec.dqn);
    if (!loaded) return std::unexpected(loaded.error());
    return std::make_unique<DqnAgent>(std::move(*loaded));
  }
  return core::fail_as(core::ErrorKind::Config, "unknown agent '{}' (ppo or dqn)", spec.kind);
}

}  // namespace kestrel::rl
