#pragma once
// What the models module does for rl::make_agent once loaded: a PPO or DQN agent, fresh or
// resumed from a checkpoint. Tests that link rl_agents may call it directly.
#include <memory>

#include "core/error.hpp"
#include "rl/agent.hpp"

namespace kestrel::rl {

core::Result<std::unique_ptr<Agent>> make_agent_in_process(const AgentSpec& spec);

}  // namespace kestrel::rl
