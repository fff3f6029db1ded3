#pragma once
// An RL agent as the apps and the pipeline see it, without LibTorch: PPO and DQN live in the
// models module (kestrel-models.so, with the other LibTorch code) and are made through
// make_agent, which loads that module on first use.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include "core/error.hpp"
#include "rl/agent_config.hpp"
#include "rl/training_progress.hpp"
#include "rl/vector_env.hpp"

namespace kestrel::rl {

class Agent {
 public:
  virtual ~Agent() = default;
  // Trains until `total_steps` environment steps in all (earlier calls and a resumed
  // checkpoint count).
  virtual void learn(VectorEnv& env, std::int64_t total_steps, const ProgressSink& progress = {}) = 0;
  // [rows × observation_size] observations → [rows × width] actions.
  virtual void act(std::span<const float> observations, std::span<float> actions, bool deterministic) = 0;
  virtual std::int64_t steps_done() const = 0;
  virtual core::Status save(const std::filesystem::path& dir) const = 0;
};

struct AgentSpec {
  std::string kind;  // "ppo" or "dqn"
  std::size_t observation_size = 0;
  ActionSpace action_space;
  PpoConfig ppo = {};
  DqnConfig dqn = {};
  std::filesystem::path resume_from = {};  // a checkpoint folder to load; empty: a fresh agent
};

core::Result<std::unique_ptr<Agent>> make_agent(const AgentSpec& spec);

}  // namespace kestrel::rl
