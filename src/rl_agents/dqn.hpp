#pragma once
// Deep Q-learning (Mnih et al. 2015) with the Double DQN target (van Hasselt et al. 2016):
// the online network picks the next action, the target network values it. Otherwise as
// Stable-Baselines3's DQN with its defaults: replay buffer, Huber (smooth L1) loss, Adam,
// gradients clipped to norm 10, a 64-64 ReLU Q-network, ε decayed linearly from 1 to 0.05
// over the first 10% of the steps, a gradient step every 4 vector steps once 100 steps are
// stored, the target network copied (τ = 1) every 10,000 steps. Changes from SB3: Double DQN
// (SB3's DQN is not), and the target interval and learning starts count environment steps
// (rows × vector steps) as SB3's num_timesteps does. Discrete action spaces only.
//
// Deterministic for a seed, like PpoAgent. A checkpoint holds both networks, the optimiser,
// the counters and the random state, not the replay buffer: a resumed run refills it (during
// `learning_starts` steps) before it learns again.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "rl/agent.hpp"
#include "rl/agent_config.hpp"
#include "rl/training_progress.hpp"
#include "rl/vector_env.hpp"

namespace kestrel::rl {

class DqnAgent final : public Agent {
 public:
  DqnAgent(std::size_t observation_size, std::size_t actions, DqnConfig config);
  ~DqnAgent() override;
  DqnAgent(DqnAgent&&) noexcept;
  DqnAgent& operator=(DqnAgent&&) noexcept;

  // Trains until `total_steps` environment steps (counting earlier calls and a resumed
  // checkpoint). ε follows the schedule over `total_steps`.
  void learn(VectorEnv& env, std::int64_t total_steps, const ProgressSink& progress = {}) override;
  // Greedy actions (deterministic), or ε-greedy with the current ε.
  void act(std::span<const float> observations, std::span<float> actions, bool deterministic) override;
  std::int64_t steps_done() const override;
  // Q-values for a batch ([rows × observation_size] → [rows × actions]).
  std::vector<float> q_values(std::span<const float> observations);

  core::Status save(const std::filesystem::path& dir) const override;
  static core::Result<DqnAgent> load(const std::filesystem::path& dir, std::size_t observation_size,
                                     std::size_t actions, DqnConfig config);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kestrel::rl
