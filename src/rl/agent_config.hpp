#pragma once
// The agents' settings (torch-free: the apps and the pipeline fill them without LibTorch).
// Defaults are Stable-Baselines3's; rl_agents/ppo.hpp and dqn.hpp say what each does.
#include <cstdint>
#include <vector>

namespace kestrel::rl {

struct PpoConfig {
  double learning_rate = 3e-4;
  std::int64_t n_steps = 2048;  // per row, per rollout
  std::int64_t batch_size = 64;
  std::int64_t epochs = 10;
  double gamma = 0.99;
  double gae_lambda = 0.95;
  double clip_range = 0.2;
  double ent_coef = 0.0;
  double vf_coef = 0.5;
  double max_grad_norm = 0.5;
  bool normalize_advantage = true;
  double log_std_init = 0.0;  // Box spaces
  std::vector<std::int64_t> hidden = {64, 64};
  std::uint64_t seed = 0;
  int threads = 1;
};

struct DqnConfig {
  double learning_rate = 1e-4;
  std::int64_t buffer_size = 1'000'000;
  std::int64_t learning_starts = 100;
  std::int64_t batch_size = 32;
  double tau = 1.0;
  double gamma = 0.99;
  std::int64_t train_freq = 4;  // vector steps between gradient updates
  std::int64_t gradient_steps = 1;
  std::int64_t target_update_interval = 10'000;  // environment steps
  double exploration_fraction = 0.1;
  double exploration_initial_eps = 1.0;
  double exploration_final_eps = 0.05;
  double max_grad_norm = 10;
  std::vector<std::int64_t> hidden = {64, 64};
  std::uint64_t seed = 0;
  int threads = 1;
};

}  // namespace kestrel::rl
