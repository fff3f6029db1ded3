#pragma once
// Proximal Policy Optimization (Schulman et al. 2017) as Stable-Baselines3's PPO does it, with
// its defaults: rollouts of n_steps per row, GAE(λ) advantages, `epochs` passes of shuffled
// minibatches, the clipped surrogate objective, a value loss (unclipped), an entropy bonus,
// advantages normalised per minibatch, gradients clipped to max_grad_norm, Adam (eps 1e-5).
// Separate policy and value networks (64-64 tanh). Discrete spaces get a categorical policy;
// Box spaces a diagonal Gaussian with a learned, state-independent log σ whose samples are
// clipped to the bounds before they reach the environment (log-probabilities use the
// unclipped sample, as in SB3). A truncated episode is bootstrapped: its last reward gains
// γ·V(final observation).
//
// Deterministic for a seed: the networks are initialised from it, every sample and shuffle
// draws from the agent's own core::Rng, and LibTorch runs on the configured threads (1 by
// default: the networks are small, and more threads only add scheduling noise).
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

class PpoAgent final : public Agent {
 public:
  PpoAgent(std::size_t observation_size, ActionSpace action_space, PpoConfig config);
  ~PpoAgent() override;
  PpoAgent(PpoAgent&&) noexcept;
  PpoAgent& operator=(PpoAgent&&) noexcept;

  // Trains until `total_steps` environment steps (rows × vector steps, counting steps of
  // earlier calls and of a resumed checkpoint), in whole rollouts.
  void learn(VectorEnv& env, std::int64_t total_steps, const ProgressSink& progress = {}) override;
  // Actions for a batch of observations ([rows × observation_size] → [rows × width]):
  // the most likely action (discrete) or the mean clipped to the bounds (Box) when
  // deterministic, a sample otherwise.
  void act(std::span<const float> observations, std::span<float> actions, bool deterministic) override;
  std::int64_t steps_done() const override;

  // A checkpoint is a folder: networks, optimiser, step count and random state, so a run
  // resumed from it continues where it stopped (the environment restarts its episodes).
  core::Status save(const std::filesystem::path& dir) const override;
  // The sizes and the config must be those of the saved agent (the config's seed is ignored:
  // the random state is the checkpoint's).
  static core::Result<PpoAgent> load(const std::filesystem::path& dir, std::size_t observation_size,
                                     ActionSpace action_space, PpoConfig config);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kestrel::rl
