#pragma once
// The small part of an agent's checkpoint that is not a tensor: counters and the agent's
// random state, as state.json beside the networks (model.pt) and the optimiser (optimizer.pt).
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace kestrel::rl {

struct CheckpointState {
  std::string agent;  // "ppo" or "dqn": a checkpoint of one cannot be loaded as the other
  std::int64_t steps = 0;
  std::int64_t updates = 0;
  core::Rng rng{0};
};

core::Status write_checkpoint_state(const std::filesystem::path& dir, const CheckpointState& state);
core::Result<CheckpointState> read_checkpoint_state(const std::filesystem::path& dir, const std::string& agent);

}  // namespace kestrel::rl
