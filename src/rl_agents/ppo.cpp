#include "rl_agents/ppo.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "rl_agents/checkpoint.hpp"
#include "rl_agents/networks.hpp"
#include "rl_agents/policy_head.hpp"

namespace kestrel::rl {

namespace {

// The policy and value networks (and the Gaussian's log σ) as one module, so that they save,
// load and optimise together.
struct ActorCritic : torch::nn::Module {
  ActorCritic(std::int64_t observations, const PolicyHead& head, const PpoConfig& config, bool box) {
    policy = register_module("policy", make_mlp(observations, config.hidden, head.outputs(), Activation::Tanh, 0.01));
    value = register_module("value", make_mlp(observations, config.hidden, 1, Activation::Tanh, 1.0));
    log_std = register_parameter("log_std", torch::full({box ? head.outputs() : 1}, config.log_std_init), box);
  }
  torch::nn::Sequential policy{nullptr};
  torch::nn::Sequential value{nullptr};
  torch::Tensor log_std;
};

// One rollout, step-major: entry (t, row) at t × rows + row.
struct Rollout {
  Rollout(std::int64_t steps, std::int64_t row_count, std::int64_t obs_size, std::int64_t width)
      : n(steps), rows(row_count), samples(steps * row_count), obs(static_cast<std::size_t>(samples * obs_size)),
        actions(static_cast<std::size_t>(samples * width)), rewards(static_cast<std::size_t>(samples)),
        values(rewards.size()), log_probs(rewards.size()), dones(rewards.size()), advantages(rewards.size()),
        returns(rewards.size()) {}
  std::int64_t n, rows, samples;
  std::vector<float> obs, actions, rewards, values, log_probs, dones, advantages, returns;
};

}  // namespace

struct PpoAgent::State {
  State(std::size_t observation_size, ActionSpace action_space, PpoConfig cfg)
      : observations(static_cast<std::int64_t>(observation_size)), space(action_space), head(action_space),
        config(std::move(cfg)), rng(config.seed) {
    torch::manual_seed(config.seed);
    net = std::make_shared<ActorCritic>(observations, head, config, space.kind == ActionSpace::Kind::Box);
    optimizer = std::make_unique<torch::optim::Adam>(net->parameters(),
                                                     torch::optim::AdamOptions(config.learning_rate).eps(1e-5));
  }

  // The environment's side of training: its current observations and step buffers.
  struct Stepper {
    Stepper(VectorEnv& e, std::int64_t obs_size, std::int64_t width)
        : env(e), rows(static_cast<std::size_t>(e.num_envs())), obs(rows * static_cast<std::size_t>(obs_size)),
          final_obs(obs.size()), rewards(rows), terminated(rows), truncated(rows),
          actions(rows * static_cast<std::size_t>(width)) {}
    StepBuffers buffers() { return {obs, rewards, terminated, truncated, final_obs}; }
    VectorEnv& env;
    std::size_t rows;
    std::vector<float> obs, final_obs, rewards;
    std::vector<std::uint8_t> terminated, truncated;
    std::vector<float> actions;
  };

  void collect(Stepper& e, Rollout& r, EpisodeReturns& episodes);
  void estimate_advantages(const Stepper& e, Rollout& r);
  double update(Rollout& r);  // the last minibatch's loss

  std::int64_t observations;
  ActionSpace space;
  PolicyHead head;
  PpoConfig config;
  std::shared_ptr<ActorCritic> net;
  std::unique_ptr<torch::optim::Adam> optimizer;
  core::Rng rng;
  std::int64_t steps = 0;
  std::int64_t updates = 0;
};

PpoAgent::PpoAgent(std::size_t observation_size, ActionSpace action_space, PpoConfig config)
    : state_(std::make_unique<State>(observation_size, action_space, std::move(config))) {}
PpoAgent::~PpoAgent() = default;
PpoAgent::PpoAgent(PpoAgent&&) noexcept = default;
PpoAgent& PpoAgent::operator=(PpoAgent&&) noexcept = default;

std::int64_t PpoAgent::steps_done() const { return state_->steps; }

void PpoAgent::act(std::span<const float> observations, std::span<float> actions, bool deterministic) {
  State& s = *state_;
  torch::set_num_threads(s.config.threads);
  torch::NoGradGuard no_grad;
  const auto rows = static_cast<std::int64_t>(observations.size()) / s.observations;
  const auto out = s.net->policy->forward(to_tensor(observations.data(), rows, s.observations));
  s.head.choose(out, s.net->log_std, deterministic, s.rng, actions);
  s.head.clip_to_bounds(actions);
}

void PpoAgent::learn(VectorEnv& env, std::int64_t total_steps, const ProgressSink& progress) {
  State& s = *state_;
  torch::set_num_threads(s.config.threads);
  const auto width = static_cast<std::int64_t>(s.space.width());
  State::Stepper stepper(env, s.observations, width);
  Rollout rollout(s.config.n_steps, static_cast<std::int64_t>(stepper.rows), s.observations, width);
  env.reset(s.rng.next_u64(), stepper.obs);
  EpisodeReturns episodes(stepper.rows);
  while (s.steps < total_steps) {
    s.collect(stepper, rollout, episodes);
    s.estimate_advantages(stepper, rollout);
    const double loss = s.update(rollout);
    ++s.updates;
    if (progress) progress(TrainingProgress{s.steps, total_steps, episodes.finished(), episodes.mean_recent(), loss});
  }
}

// n steps from every row with the current (stochastic) policy.
void PpoAgent::State::collect(Stepper& e, Rollout& r, EpisodeReturns& episodes) {
  const std::int64_t rows = r.rows;
  const auto width = static_cast<std::int64_t>(space.width());
  const StepBuffers out = e.buffers();
  for (std::int64_t t = 0; t < r.n; ++t) {
    torch::NoGradGuard no_grad;
    // The rollout keeps the observation; the networks read it where it lies.
    float* obs_t = r.obs.data() + t * rows * observations;
    std::copy(e.obs.begin(), e.obs.end(), obs_t);
    const auto obs_tensor = torch::from_blob(obs_t, {rows, observations}, torch::kFloat32);
    const auto logits = net->policy->forward(obs_tensor);
    const auto values = net->value->forward(obs_tensor).squeeze(1).contiguous();
    float* actions_t = r.actions.data() + t * rows * width;
    head.choose(logits, net->log_std, false, rng, {actions_t, static_cast<std::size_t>(rows * width)});
    const auto log_probs = head.log_prob(logits, net->log_std, to_tensor(actions_t, rows, width)).contiguous();
    std::copy(values.data_ptr<float>(), values.data_ptr<float>() + rows, r.values.begin() + t * rows);
    std::copy(log_probs.data_ptr<float>(), log_probs.data_ptr<float>() + rows, r.log_probs.begin() + t * rows);

    std::copy(actions_t, actions_t + rows * width, e.actions.begin());
    head.clip_to_bounds(e.actions);
    e.env.step(e.actions, out);
    episodes.add(e.rewards, e.terminated, e.truncated);

    // A truncated episode's last reward gains γ·V(its final observation).
    const bool any_truncated = std::any_of(e.truncated.begin(), e.truncated.end(), [](std::uint8_t x) { return x != 0; });
    std::vector<float> bootstrap;
    if (any_truncated) {
      const auto v = net->value->forward(to_tensor(e.final_obs.data(), rows, observations)).squeeze(1).contiguous();
      bootstrap.assign(v.data_ptr<float>(), v.data_ptr<float>() + rows);
    }
    for (std::int64_t row = 0; row < rows; ++row) {
      const auto i = static_cast<std::size_t>(row);
      float reward = e.rewards[i];
      if (e.truncated[i] && !e.terminated[i]) reward += static_cast<float>(config.gamma) * bootstrap[i];
      r.rewards[static_cast<std::size_t>(t * rows + row)] = reward;
      r.dones[static_cast<std::size_t>(t * rows + row)] = (e.terminated[i] || e.truncated[i]) ? 1.0f : 0.0f;
    }
    steps += rows;
  }
}

// GAE(λ) backwards from the value of where the rollout stopped.
void PpoAgent::State::estimate_advantages(const Stepper& e, Rollout& r) {
  const std::int64_t rows = r.rows;
  std::vector<float> next_values(static_cast<std::size_t>(rows));
  {
    torch::NoGradGuard no_grad;
    const auto v = net->value->forward(to_tensor(e.obs.data(), rows, observations)).squeeze(1).contiguous();
    std::copy(v.data_ptr<float>(), v.data_ptr<float>() + rows, next_values.begin());
  }
  std::vector<double> gae(static_cast<std::size_t>(rows), 0.0);
  for (std::int64_t t = r.n - 1; t >= 0; --t) {
    for (std::int64_t row = 0; row < rows; ++row) {
      const auto i = static_cast<std::size_t>(t * rows + row);
      const auto ri = static_cast<std::size_t>(row);
      const double not_done = 1.0 - r.dones[i];
      const double next_value = t == r.n - 1 ? next_values[ri] : r.values[i + static_cast<std::size_t>(rows)];
      const double delta = r.rewards[i] + config.gamma * next_value * not_done - r.values[i];
      gae[ri] = delta + config.gamma * config.gae_lambda * not_done * gae[ri];
      r.advantages[i] = static_cast<float>(gae[ri]);
      r.returns[i] = static_cast<float>(gae[ri] + r.values[i]);
    }
  }
}

// Epochs of shuffled minibatches of the clipped surrogate, the value loss and the entropy bonus.
double PpoAgent::State::update(Rollout& r) {
  const PpoConfig& c = config;
  const std::int64_t samples = r.samples;
  const auto width = static_cast<std::int64_t>(space.width());
  const auto all_obs = torch::from_blob(r.obs.data(), {samples, observations}, torch::kFloat32);
  const auto all_actions = torch::from_blob(r.actions.data(), {samples, width}, torch::kFloat32);
  const auto all_log_probs = torch::from_blob(r.log_probs.data(), {samples}, torch::kFloat32);
  const auto all_advantages = torch::from_blob(r.advantages.data(), {samples}, torch::kFloat32);
  const auto all_returns = torch::from_blob(r.returns.data(), {samples}, torch::kFloat32);
  std::vector<std::int64_t> order(static_cast<std::size_t>(samples));
  double last_loss = 0;
  for (std::int64_t epoch = 0; epoch < c.epochs; ++epoch) {
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    for (std::int64_t begin = 0; begin < samples; begin += c.batch_size) {
      const std::int64_t size = std::min(c.batch_size, samples - begin);
      const auto index = torch::from_blob(order.data() + begin, {size}, torch::kLong).clone();
      const auto batch_obs = all_obs.index_select(0, index);
      const auto batch_actions = all_actions.index_select(0, index);
      auto adv = all_advantages.index_select(0, index);
      if (c.normalize_advantage && size > 1) adv = (adv - adv.mean()) / (adv.std() + 1e-8);

      const auto logits = net->policy->forward(batch_obs);
      const auto log_prob = head.log_prob(logits, net->log_std, batch_actions);
      const auto entropy = head.entropy(logits, net->log_std);
      const auto values = net->value->forward(batch_obs).squeeze(1);

      const auto ratio = torch::exp(log_prob - all_log_probs.index_select(0, index));
      const auto policy_loss =
          -torch::min(adv * ratio, adv * torch::clamp(ratio, 1 - c.clip_range, 1 + c.clip_range)).mean();
      const auto value_loss = torch::mse_loss(values, all_returns.index_select(0, index));
      const auto loss = policy_loss - c.ent_coef * entropy.mean() + c.vf_coef * value_loss;

      optimizer->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net->parameters(), c.max_grad_norm);
      optimizer->step();
      last_loss = loss.item<double>();
    }
  }
  return last_loss;
}

core::Status PpoAgent::save(const std::filesystem::path& dir) const {
  return save_checkpoint(dir, *state_->net, *state_->optimizer, {"ppo", state_->steps, state_->updates, state_->rng});
}

core::Result<PpoAgent> PpoAgent::load(const std::filesystem::path& dir, std::size_t observation_size,
                                      ActionSpace action_space, PpoConfig config) {
  PpoAgent agent(observation_size, action_space, std::move(config));
  auto saved = load_checkpoint(dir, "ppo", *agent.state_->net, *agent.state_->optimizer);
  if (!saved) return std::unexpected(saved.error());
  agent.state_->steps = saved->steps;
  agent.state_->updates = saved->updates;
  agent.state_->rng = saved->rng;
  return agent;
}

}  // namespace kestrel::rl
