// Known-answer tests of the agents: each must find the known optimal policy of a small
// environment within a fixed step budget. A broken agent (a flipped gradient sign, a wrong
// advantage or target) does not get there, so these fail for it.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rl_agents/dqn.hpp"
#include "rl_agents/ppo.hpp"
#include "support/temp_dir.hpp"
#include "toy_envs.hpp"

namespace kestrel::rl {
namespace {

using toy::Bandit;
using toy::ChainWalk;
using toy::SignalMarket;

// The return of one greedy episode of the chain from its start (steps up to the limit).
template <class Agent>
double greedy_chain_return(Agent& agent) {
  ChainWalk env(1, 8, 2, 30);
  std::vector<float> obs(8), final_obs(8), reward(1), action(1);
  std::vector<std::uint8_t> terminated(1), truncated(1);
  env.reset(0, obs);
  double total = 0;
  for (int t = 0; t < 30; ++t) {
    agent.act(obs, action, true);
    env.step(action, {obs, reward, terminated, truncated, final_obs});
    total += reward[0];
    if (terminated[0] || truncated[0]) break;
  }
  return total;
}

// Mean daily reward of the agent's greedy policy and of the optimal rule (hold iff s > 0) on
// the same 2,000 days.
template <class Agent>
std::pair<double, double> signal_market_rewards(Agent& agent, bool continuous) {
  SignalMarket agent_env(2000, 1000, continuous), rule_env(2000, 1000, continuous);
  std::vector<float> obs(2000), rule_obs(2000), final_obs(2000), reward(2000), rule_reward(2000), action(2000);
  std::vector<std::uint8_t> terminated(2000), truncated(2000);
  agent_env.reset(99, obs);
  rule_env.reset(99, rule_obs);
  agent.act(obs, action, true);
  std::vector<float> rule_action(2000);
  for (std::size_t i = 0; i < 2000; ++i) rule_action[i] = rule_obs[i] > 0 ? 1.0f : 0.0f;
  agent_env.step(action, {obs, reward, terminated, truncated, final_obs});
  rule_env.step(rule_action, {rule_obs, rule_reward, terminated, truncated, final_obs});
  double agent_sum = 0, rule_sum = 0;
  for (std::size_t i = 0; i < 2000; ++i) {
    agent_sum += reward[i];
    rule_sum += rule_reward[i];
  }
  return {agent_sum / 2000, rule_sum / 2000};
}

TEST(PpoKnownAnswer, PpoFindsTheBestArmOfABandit) {
  Bandit env(8, {0.1, 0.5, 0.2, 0.9, 0.3}, 0.1);
  PpoConfig config;
  config.n_steps = 64;
  config.seed = 1;
  PpoAgent agent(1, env.action_space(), config);
  agent.learn(env, 8 * 64 * 12);
  std::vector<float> obs(100, 1.0f), actions(100);
  agent.act(obs, actions, false);  // sampled: the policy itself, not only its mode, must have moved
  int best = 0;
  for (float a : actions) best += a == 3.0f;
  EXPECT_GE(best, 90) << "PPO should pick arm 3 (mean 0.9) almost always after training";
}

TEST(PpoKnownAnswer, PpoWalksTheChainToTheFarExitNotTheNearOne) {
  ChainWalk env(8, 8, 2, 30);
  PpoConfig config;
  config.n_steps = 128;
  config.seed = 2;
  PpoAgent agent(8, env.action_space(), config);
  agent.learn(env, 8 * 128 * 15);
  EXPECT_NEAR(greedy_chain_return(agent), 0.96, 1e-5);
}

TEST(PpoKnownAnswer, PpoSizesFullyWhenTheSignalIsPositiveInAToyMarket) {
  SignalMarket env(8, 20, /*continuous=*/true);
  PpoConfig config;
  config.n_steps = 256;
  config.seed = 3;
  PpoAgent agent(1, env.action_space(), config);
  agent.learn(env, 8 * 256 * 12);
  const auto [agent_reward, optimal] = signal_market_rewards(agent, true);
  EXPECT_GT(optimal, 0.0035);
  EXPECT_GE(agent_reward, 0.9 * optimal) << "agent " << agent_reward << " vs optimal " << optimal;
}

TEST(DqnKnownAnswer, DqnFindsTheBestArmOfABandit) {
  Bandit env(4, {0.1, 0.5, 0.2, 0.9, 0.3}, 0.1);
  DqnConfig config;
  config.seed = 4;
  config.learning_rate = 1e-3;
  config.target_update_interval = 200;
  DqnAgent agent(1, 5, config);
  agent.learn(env, 6000);
  const auto q = agent.q_values(std::vector<float>{1.0f});
  EXPECT_EQ(std::max_element(q.begin(), q.end()) - q.begin(), 3);
  EXPECT_NEAR(q[3], 0.9, 0.1) << "a one-step episode's value is its mean reward";
}

TEST(DqnKnownAnswer, DqnWalksTheChainToTheFarExitNotTheNearOne) {
  ChainWalk env(4, 8, 2, 30);
  DqnConfig config;
  config.seed = 5;
  config.learning_rate = 1e-3;
  config.target_update_interval = 500;
  config.exploration_fraction = 0.3;
  DqnAgent agent(8, 2, config);
  agent.learn(env, 20000);
  EXPECT_NEAR(greedy_chain_return(agent), 0.96, 1e-5);
}

TEST(DqnKnownAnswer, DqnHoldsExactlyWhenTheSignalIsPositiveInAToyMarket) {
  SignalMarket env(4, 20, /*continuous=*/false);
  DqnConfig config;
  config.seed = 6;
  config.learning_rate = 3e-4;
  config.target_update_interval = 500;
  config.gamma = 0.0;  // days are independent: the value of a day is its own reward
  DqnAgent agent(1, 2, config);
  agent.learn(env, 40000);
  const auto [agent_reward, optimal] = signal_market_rewards(agent, false);
  EXPECT_GE(agent_reward, 0.9 * optimal) << "agent " << agent_reward << " vs optimal " << optimal;
  // With γ = 0 the values are known too: Q(s, flat) = 0 and Q(s, hold) = 0.01·s. The
  // action the greedy policy takes is visited most, so its value is the one learnt closely;
  // the other need only rank below it.
  const auto q = agent.q_values(std::vector<float>{-1.0f, 1.0f});
  EXPECT_NEAR(q[0], 0.0, 0.004);   // s = −1: flat
  EXPECT_LT(q[1], q[0]);           // s = −1: hold, worse
  EXPECT_NEAR(q[3], 0.01, 0.004);  // s = +1: hold
  EXPECT_LT(q[2], q[3]);           // s = +1: flat, worse
}

TEST(PpoTraining, PpoIsDeterministicForASeedAndResumesFromACheckpoint) {
  const kestrel::testing::TempDir dir;
  auto train = [](std::int64_t steps) {
    Bandit env(4, {0.2, 0.8}, 0.1);
    PpoConfig config;
    config.n_steps = 32;
    config.seed = 11;
    PpoAgent agent(1, env.action_space(), config);
    agent.learn(env, steps);
    return agent;
  };
  PpoAgent a = train(4 * 32 * 3);
  PpoAgent b = train(4 * 32 * 3);
  std::vector<float> obs(64, 1.0f), from_a(64), from_b(64);
  ASSERT_TRUE(a.save(dir.path() / "ppo"));
  a.act(obs, from_a, false);
  b.act(obs, from_b, false);
  EXPECT_EQ(from_a, from_b) << "same seed, same training, same random draws";

  PpoConfig config;
  config.n_steps = 32;
  auto loaded = PpoAgent::load(dir.path() / "ppo", 1, ActionSpace::discrete(2), config);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->steps_done(), 4 * 32 * 3);
  std::vector<float> from_loaded(64);
  loaded->act(obs, from_loaded, false);
  EXPECT_EQ(from_loaded, from_a) << "the checkpoint restores the networks and the random state";

  Bandit env(4, {0.2, 0.8}, 0.1);
  loaded->learn(env, 4 * 32 * 5);
  EXPECT_EQ(loaded->steps_done(), 4 * 32 * 5) << "a resumed run counts on from the checkpoint";

  auto wrong = DqnAgent::load(dir.path() / "ppo", 1, 2, DqnConfig{});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("a checkpoint of agent 'ppo', not 'dqn'"), std::string::npos);
}

TEST(DqnTraining, DqnIsDeterministicForASeedAndResumesFromACheckpoint) {
  const kestrel::testing::TempDir dir;
  auto train = [](std::int64_t steps) {
    Bandit env(4, {0.2, 0.8}, 0.1);
    DqnConfig config;
    config.seed = 12;
    DqnAgent agent(1, 2, config);
    agent.learn(env, steps);
    return agent;
  };
  DqnAgent a = train(800);
  DqnAgent b = train(800);
  EXPECT_EQ(a.q_values(std::vector<float>{1.0f}), b.q_values(std::vector<float>{1.0f}));
  ASSERT_TRUE(a.save(dir.path() / "dqn"));
  auto loaded = DqnAgent::load(dir.path() / "dqn", 1, 2, DqnConfig{});
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->q_values(std::vector<float>{1.0f}), a.q_values(std::vector<float>{1.0f}));
  EXPECT_EQ(loaded->steps_done(), 800);
}

}  // namespace
}  // namespace kestrel::rl
