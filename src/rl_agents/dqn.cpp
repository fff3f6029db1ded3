#include "rl_agents/dqn.hpp"

#include <algorithm>

#include "rl_agents/checkpoint.hpp"
#include "rl_agents/networks.hpp"
#include "rl_agents/replay_buffer.hpp"

namespace kestrel::rl {

namespace {

struct QNetworks : torch::nn::Module {
  QNetworks(std::int64_t observations, std::int64_t actions, const DqnConfig& config) {
    online = register_module("online", make_mlp(observations, config.hidden, actions, Activation::Relu, 1.0));
    target = register_module("target", make_mlp(observations, config.hidden, actions, Activation::Relu, 1.0));
    copy_to_target(1.0);
  }
  // target ← τ·online + (1 − τ)·target
  void copy_to_target(double tau) {
    torch::NoGradGuard no_grad;
    auto from = online->parameters();
    auto to = target->parameters();
    for (std::size_t i = 0; i < from.size(); ++i) to[i].mul_(1 - tau).add_(from[i], tau);
  }
  torch::nn::Sequential online{nullptr};
  torch::nn::Sequential target{nullptr};
};

}  // namespace

struct DqnAgent::State {
  State(std::size_t observation_size, std::size_t action_count, DqnConfig cfg)
      : observations(static_cast<std::int64_t>(observation_size)), actions(static_cast<std::int64_t>(action_count)),
        config(std::move(cfg)), rng(config.seed) {
    torch::manual_seed(config.seed);
    nets = std::make_shared<QNetworks>(observations, actions, config);
    optimizer = std::make_unique<torch::optim::Adam>(nets->online->parameters(),
                                                     torch::optim::AdamOptions(config.learning_rate));
  }
  double epsilon(std::int64_t total_steps) const {
    const double span = config.exploration_fraction * static_cast<double>(total_steps);
    const double progress = span <= 0 ? 1.0 : std::min(1.0, static_cast<double>(steps) / span);
    return config.exploration_initial_eps + progress * (config.exploration_final_eps - config.exploration_initial_eps);
  }
  void choose(std::span<const float> obs, std::span<float> out, double eps) {
    torch::NoGradGuard no_grad;
    const auto rows = static_cast<std::int64_t>(out.size());
    const auto greedy = nets->online->forward(to_tensor(obs.data(), rows, observations)).argmax(1).contiguous();
    const auto* best = greedy.data_ptr<std::int64_t>();
    for (std::int64_t r = 0; r < rows; ++r) {
      const bool explore = eps > 0 && rng.uniform() < eps;
      out[static_cast<std::size_t>(r)] =
          static_cast<float>(explore ? static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(actions))) : best[r]);
    }
  }

  std::int64_t observations, actions;
  DqnConfig config;
  std::shared_ptr<QNetworks> nets;
  std::unique_ptr<torch::optim::Adam> optimizer;
  core::Rng rng;
  std::int64_t steps = 0;
  std::int64_t updates = 0;
  double current_eps = 1.0;
};

DqnAgent::DqnAgent(std::size_t observation_size, std::size_t actions, DqnConfig config)
    : state_(std::make_unique<State>(observation_size, actions, std::move(config))) {}
DqnAgent::~DqnAgent() = default;
DqnAgent::DqnAgent(DqnAgent&&) noexcept = default;
DqnAgent& DqnAgent::operator=(DqnAgent&&) noexcept = default;

std::int64_t DqnAgent::steps_done() const { return state_->steps; }

void DqnAgent::act(std::span<const float> observations, std::span<float> actions, bool deterministic) {
  torch::set_num_threads(state_->config.threads);
  state_->choose(observations, actions, deterministic ? 0.0 : state_->current_eps);
}

std::vector<float> DqnAgent::q_values(std::span<const float> observations) {
  State& s = *state_;
  torch::NoGradGuard no_grad;
  const auto rows = static_cast<std::int64_t>(observations.size()) / s.observations;
  const auto q = s.nets->online->forward(to_tensor(observations.data(), rows, s.observations)).contiguous();
  return {q.data_ptr<float>(), q.data_ptr<float>() + q.numel()};
}

void DqnAgent::learn(VectorEnv& env, std::int64_t total_steps, const ProgressSink& progress) {
  State& s = *state_;
  const DqnConfig& c = s.config;
  torch::set_num_threads(c.threads);
  const auto rows = env.num_envs();
  const auto obs_size = static_cast<std::size_t>(s.observations);

  std::vector<float> obs(rows * obs_size), final_obs(rows * obs_size), previous(rows * obs_size);
  std::vector<float> rewards(rows), actions(rows);
  std::vector<std::uint8_t> terminated(rows), truncated(rows);
  const StepBuffers out{obs, rewards, terminated, truncated, final_obs};
  ReplayBuffer replay(static_cast<std::size_t>(c.buffer_size), obs_size);
  EpisodeReturns episodes(rows);
  env.reset(s.rng.next_u64(), obs);

  double last_loss = 0;
  std::int64_t vector_steps = 0;
  std::int64_t next_target_update = (s.steps / c.target_update_interval + 1) * c.target_update_interval;
  std::int64_t next_report = s.steps;
  const std::int64_t learning_starts_at = s.steps + c.learning_starts;
  while (s.steps < total_steps) {
    s.current_eps = s.epsilon(total_steps);
    s.choose(obs, actions, s.current_eps);
    previous = obs;
    env.step(actions, out);
    episodes.add(rewards, terminated, truncated);
    for (std::size_t r = 0; r < rows; ++r) {
      const bool ended = terminated[r] || truncated[r];
      const float* next = (ended ? final_obs.data() : obs.data()) + r * obs_size;
      replay.add({previous.data() + r * obs_size, obs_size}, actions[r], rewards[r], {next, obs_size},
                 terminated[r] != 0);
    }
    s.steps += static_cast<std::int64_t>(rows);
    ++vector_steps;

    if (s.steps >= learning_starts_at && vector_steps % c.train_freq == 0) {
      for (std::int64_t g = 0; g < c.gradient_steps; ++g) {
        const auto n = static_cast<std::int64_t>(std::min<std::size_t>(static_cast<std::size_t>(c.batch_size), replay.size()));
        auto batch = replay.sample(static_cast<std::size_t>(n), s.rng);
        const auto o = to_tensor(batch.observations.data(), n, s.observations);
        const auto o_next = to_tensor(batch.next_observations.data(), n, s.observations);
        const auto a = to_tensor(batch.actions.data(), n, 1).to(torch::kLong);
        const auto r = to_tensor(batch.rewards.data(), n, 1);
        const auto done = to_tensor(batch.terminated.data(), n, 1);
        torch::Tensor target;
        {
          torch::NoGradGuard no_grad;
          const auto next_action = s.nets->online->forward(o_next).argmax(1, true);  // Double DQN: online picks…
          const auto next_q = s.nets->target->forward(o_next).gather(1, next_action);  // …target values
          target = r + (1 - done) * c.gamma * next_q;
        }
        const auto q = s.nets->online->forward(o).gather(1, a);
        const auto loss = torch::smooth_l1_loss(q, target);
        s.optimizer->zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(s.nets->online->parameters(), c.max_grad_norm);
        s.optimizer->step();
        last_loss = loss.item<double>();
        ++s.updates;
      }
    }
    if (s.steps >= next_target_update) {
      s.nets->copy_to_target(c.tau);
      next_target_update += c.target_update_interval;
    }
    if (progress && (s.steps >= next_report || s.steps >= total_steps)) {
      progress(TrainingProgress{s.steps, total_steps, episodes.finished(), episodes.mean_recent(), last_loss});
      next_report = s.steps + std::max<std::int64_t>(total_steps / 100, 1);
    }
  }
}

core::Status DqnAgent::save(const std::filesystem::path& dir) const {
  return save_checkpoint(dir, *state_->nets, *state_->optimizer, {"dqn", state_->steps, state_->updates, state_->rng});
}

core::Result<DqnAgent> DqnAgent::load(const std::filesystem::path& dir, std::size_t observation_size,
                                      std::size_t actions, DqnConfig config) {
  DqnAgent agent(observation_size, actions, std::move(config));
  auto saved = load_checkpoint(dir, "dqn", *agent.state_->nets, *agent.state_->optimizer);
  if (!saved) return std::unexpected(saved.error());
  agent.state_->steps = saved->steps;
  agent.state_->updates = saved->updates;
  agent.state_->rng = saved->rng;
  return agent;
}

}  // namespace kestrel::rl
