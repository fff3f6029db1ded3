#pragma once
// An agent's checkpoint folder: its networks (model.pt), its optimiser (optimizer.pt), and
// what is not a tensor — the step and update counters and the agent's random state — as
// state.json. Torch header: include only from rl_agents' translation units.
#include <cstdint>
#include <filesystem>
#include <string>

#include <torch/torch.h>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace kestrel::rl {

struct CheckpointState {
  std::string agent;  // "ppo" or "dqn": a checkpoint of one cannot be loaded as the other
  std::int64_t steps = 0;
  std::int64_t updates = 0;
  core::Rng rng{0};
};

core::Status save_checkpoint(const std::filesystem::path& dir, torch::nn::Module& networks,
                             torch::optim::Optimizer& optimizer, const CheckpointState& state);
// Loads into networks and an optimiser built with the saved sizes; fails (naming the folder) for
// another agent's checkpoint or other sizes.
core::Result<CheckpointState> load_checkpoint(const std::filesystem::path& dir, const std::string& agent,
                                              torch::nn::Module& networks, torch::optim::Optimizer& optimizer);

}  // namespace kestrel::rl
