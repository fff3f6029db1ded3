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
  const PpoConfig& c = s.config;
  torch::set_num_threads(c.threads);
  const auto rows = static_cast<std::int64_t>(env.num_envs());
  const std::int64_t obs_size = s.observations;
  const auto width = static_cast<std::int64_t>(s.space.width());
  const std::int64_t n = c.n_steps;
  const std::int64_t samples = n * rows;

  std::vector<float> obs(static_cast<std::size_t>(rows * obs_size));
  std::vector<float> final_obs(obs.size());
  std::vector<float> rewards(static_cast<std::size_t>(rows));
  std::vector<std::uint8_t> terminated(static_cast<std::size_t>(rows)), truncated(static_cast<std::size_t>(rows));
  std::vector<float> env_actions(static_cast<std::size_t>(rows * width));

  // The rollout, step-major: entry (t, row).
  std::vector<float> buf_obs(static_cast<std::size_t>(samples * obs_size));
  std::vector<float> buf_actions(static_cast<std::size_t>(samples * width));
  std::vector<float> buf_rewards(static_cast<std::size_t>(samples)), buf_values(static_cast<std::size_t>(samples)),
      buf_log_probs(static_cast<std::size_t>(samples)), buf_dones(static_cast<std::size_t>(samples));
  std::vector<float> advantages(static_cast<std::size_t>(samples)), returns(static_cast<std::size_t>(samples));

  env.reset(s.rng.next_u64(), obs);
  EpisodeReturns episodes(static_cast<std::size_t>(rows));
  double last_loss = 0;
  const StepBuffers out{obs, rewards, terminated, truncated, final_obs};

  while (s.steps < total_steps) {
    // Collect n steps from every row.
    for (std::int64_t t = 0; t < n; ++t) {
      torch::NoGradGuard no_grad;
      const auto obs_t = to_tensor(obs.data(), rows, obs_size);
      const auto logits = s.net->policy->forward(obs_t);
      const auto values = s.net->value->forward(obs_t).squeeze(1).contiguous();
      float* actions_t = buf_actions.data() + t * rows * width;
      s.head.choose(logits, s.net->log_std, false, s.rng, {actions_t, static_cast<std::size_t>(rows * width)});
      const auto log_probs =
          s.head.log_prob(logits, s.net->log_std, to_tensor(actions_t, rows, width)).contiguous();
      std::copy(obs.begin(), obs.end(), buf_obs.begin() + t * rows * obs_size);
      std::copy(values.data_ptr<float>(), values.data_ptr<float>() + rows, buf_values.begin() + t * rows);
      std::copy(log_probs.data_ptr<float>(), log_probs.data_ptr<float>() + rows, buf_log_probs.begin() + t * rows);

      std::copy(actions_t, actions_t + rows * width, env_actions.begin());
      s.head.clip_to_bounds(env_actions);
      env.step(env_actions, out);
      episodes.add(rewards, terminated, truncated);

      bool any_truncated = false;
      for (std::int64_t r = 0; r < rows; ++r) any_truncated |= truncated[static_cast<std::size_t>(r)] != 0;
      std::vector<float> bootstrap;
      if (any_truncated) {
        const auto v = s.net->value->forward(to_tensor(final_obs.data(), rows, obs_size)).squeeze(1).contiguous();
        bootstrap.assign(v.data_ptr<float>(), v.data_ptr<float>() + rows);
      }
      for (std::int64_t r = 0; r < rows; ++r) {
        const auto i = static_cast<std::size_t>(r);
        float reward = rewards[i];
        if (truncated[i] && !terminated[i]) reward += static_cast<float>(c.gamma) * bootstrap[i];
        buf_rewards[static_cast<std::size_t>(t * rows + r)] = reward;
        buf_dones[static_cast<std::size_t>(t * rows + r)] = (terminated[i] || truncated[i]) ? 1.0f : 0.0f;
      }
      s.steps += rows;
    }

    // GAE(λ) backwards from the value of where the rollout stopped.
    std::vector<float> next_values(static_cast<std::size_t>(rows));
    {
      torch::NoGradGuard no_grad;
      const auto v = s.net->value->forward(to_tensor(obs.data(), rows, obs_size)).squeeze(1).contiguous();
      std::copy(v.data_ptr<float>(), v.data_ptr<float>() + rows, next_values.begin());
    }
    std::vector<double> gae(static_cast<std::size_t>(rows), 0.0);
    for (std::int64_t t = n - 1; t >= 0; --t) {
      for (std::int64_t r = 0; r < rows; ++r) {
        const auto i = static_cast<std::size_t>(t * rows + r);
        const auto ri = static_cast<std::size_t>(r);
        const double not_done = 1.0 - buf_dones[i];
        const double next_value = t == n - 1 ? next_values[ri] : buf_values[i + static_cast<std::size_t>(rows)];
        const double delta = buf_rewards[i] + c.gamma * next_value * not_done - buf_values[i];
        gae[ri] = delta + c.gamma * c.gae_lambda * not_done * gae[ri];
        advantages[i] = static_cast<float>(gae[ri]);
        returns[i] = static_cast<float>(gae[ri] + buf_values[i]);
      }
    }

    // Epochs of shuffled minibatches.
    const auto all_obs = to_tensor(buf_obs.data(), samples, obs_size);
    const auto all_actions = to_tensor(buf_actions.data(), samples, width);
    const auto all_log_probs = to_tensor(buf_log_probs.data(), samples, 1).view({samples});
    const auto all_advantages = to_tensor(advantages.data(), samples, 1).view({samples});
    const auto all_returns = to_tensor(returns.data(), samples, 1).view({samples});
    std::vector<std::int64_t> order(static_cast<std::size_t>(samples));
    for (std::int64_t epoch = 0; epoch < c.epochs; ++epoch) {
      std::iota(order.begin(), order.end(), 0);
      for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[s.rng.below(i)]);
      for (std::int64_t begin = 0; begin < samples; begin += c.batch_size) {
        const std::int64_t size = std::min(c.batch_size, samples - begin);
        const auto index = torch::from_blob(order.data() + begin, {size}, torch::kLong).clone();
        const auto batch_obs = all_obs.index_select(0, index);
        const auto batch_actions = all_actions.index_select(0, index);
        auto adv = all_advantages.index_select(0, index);
        if (c.normalize_advantage && size > 1) adv = (adv - adv.mean()) / (adv.std() + 1e-8);

        const auto logits = s.net->policy->forward(batch_obs);
        const auto log_prob = s.head.log_prob(logits, s.net->log_std, batch_actions);
        const auto entropy = s.head.entropy(logits, s.net->log_std);
        const auto values = s.net->value->forward(batch_obs).squeeze(1);

        const auto ratio = torch::exp(log_prob - all_log_probs.index_select(0, index));
        const auto policy_loss =
            -torch::min(adv * ratio, adv * torch::clamp(ratio, 1 - c.clip_range, 1 + c.clip_range)).mean();
        const auto value_loss = torch::mse_loss(values, all_returns.index_select(0, index));
        const auto loss = policy_loss - c.ent_coef * entropy.mean() + c.vf_coef * value_loss;

        s.optimizer->zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(s.net->parameters(), c.max_grad_norm);
        s.optimizer->step();
        last_loss = loss.item<double>();
      }
    }
    ++s.updates;
    if (progress) {
      progress(TrainingProgress{s.steps, total_steps, episodes.finished(), episodes.mean_recent(), last_loss});
    }
  }
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
