#pragma once
// Small environments whose optimal policy and return are known, for the agents' known-answer
// tests: a multi-armed bandit, a chain walk with a tempting near exit, and a toy market where
// holding is right exactly when the observed signal is positive.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.hpp"
#include "rl/vector_env.hpp"

namespace kestrel::rl::toy {

// One-step episodes; arm a pays means[a] plus N(0, noise²). Optimal return: max(means).
class Bandit final : public VectorEnv {
 public:
  Bandit(std::size_t rows, std::vector<double> means, double noise) : rows_(rows), means_(std::move(means)), noise_(noise) {}
  std::size_t num_envs() const override { return rows_; }
  std::size_t observation_size() const override { return 1; }
  ActionSpace action_space() const override { return ActionSpace::discrete(means_.size()); }
  void reset(std::uint64_t seed, std::span<float> observations) override {
    rng_ = core::Rng(seed);
    std::fill(observations.begin(), observations.end(), 1.0f);
  }
  void step(std::span<const float> actions, const StepBuffers& out) override {
    for (std::size_t r = 0; r < rows_; ++r) {
      const auto arm = static_cast<std::size_t>(actions[r]);
      out.rewards[r] = static_cast<float>(means_[arm] + noise_ * rng_.normal());
      out.terminated[r] = 1;
      out.truncated[r] = 0;
      out.final_observations[r] = 1.0f;
      out.observations[r] = 1.0f;
    }
  }

 private:
  std::size_t rows_;
  std::vector<double> means_;
  double noise_;
  core::Rng rng_{0};
};

// Positions 0 .. length-1, start at `start`; action 0 steps left, 1 right. Each step costs
// 0.01; reaching the left end pays 0.1 and ends, the right end pays 1 and ends; episodes are
// cut after `limit` steps. Observation: the position, one-hot. Optimal (from start 2 of 8):
// right five times, return 1 − 4 × 0.01 = 0.96; the near exit gives 0.09.
class ChainWalk final : public VectorEnv {
 public:
  ChainWalk(std::size_t rows, std::size_t length, std::size_t start, std::size_t limit)
      : rows_(rows), length_(length), start_(start), limit_(limit), position_(rows, start), steps_(rows, 0) {}
  std::size_t num_envs() const override { return rows_; }
  std::size_t observation_size() const override { return length_; }
  ActionSpace action_space() const override { return ActionSpace::discrete(2); }
  void reset(std::uint64_t, std::span<float> observations) override {
    std::fill(position_.begin(), position_.end(), start_);
    std::fill(steps_.begin(), steps_.end(), 0);
    for (std::size_t r = 0; r < rows_; ++r) observe(r, observations);
  }
  void step(std::span<const float> actions, const StepBuffers& out) override {
    for (std::size_t r = 0; r < rows_; ++r) {
      position_[r] = actions[r] >= 0.5f ? position_[r] + 1 : position_[r] - 1;
      ++steps_[r];
      float reward = -0.01f;
      bool ended = false;
      if (position_[r] == 0) {
        reward = 0.1f;
        ended = true;
      } else if (position_[r] == length_ - 1) {
        reward = 1.0f;
        ended = true;
      }
      out.rewards[r] = reward;
      out.terminated[r] = ended;
      out.truncated[r] = !ended && steps_[r] >= limit_;
      if (out.terminated[r] || out.truncated[r]) {
        observe(r, out.final_observations);
        position_[r] = start_;
        steps_[r] = 0;
      }
      observe(r, out.observations);
    }
  }

 private:
  void observe(std::size_t r, std::span<float> observations) const {
    for (std::size_t i = 0; i < length_; ++i) observations[r * length_ + i] = i == position_[r] ? 1.0f : 0.0f;
  }
  std::size_t rows_, length_, start_, limit_;
  std::vector<std::size_t> position_, steps_;
};

// Each day shows a signal s ~ N(0, 1); the day's return is 0.01·s + N(0, 0.005²). Holding
// (discrete action 1, or a Box weight in [0, 1]) earns weight × return. Episodes of `length`
// days, cut by the time limit (truncated). Optimal: hold fully exactly when s > 0, an expected
// 0.01·φ(0) ≈ 0.00399 a day.
class SignalMarket final : public VectorEnv {
 public:
  SignalMarket(std::size_t rows, std::size_t length, bool continuous)
      : rows_(rows), length_(length), continuous_(continuous), signal_(rows), day_(rows, 0) {}
  std::size_t num_envs() const override { return rows_; }
  std::size_t observation_size() const override { return 1; }
  ActionSpace action_space() const override {
    return continuous_ ? ActionSpace::box(1, 0.0f, 1.0f) : ActionSpace::discrete(2);
  }
  void reset(std::uint64_t seed, std::span<float> observations) override {
    rng_ = core::Rng(seed);
    for (std::size_t r = 0; r < rows_; ++r) {
      signal_[r] = rng_.normal();
      day_[r] = 0;
      observations[r] = static_cast<float>(signal_[r]);
    }
  }
  void step(std::span<const float> actions, const StepBuffers& out) override {
    for (std::size_t r = 0; r < rows_; ++r) {
      const double weight = std::clamp(static_cast<double>(actions[r]), 0.0, 1.0);
      const double day_return = 0.01 * signal_[r] + 0.005 * rng_.normal();
      out.rewards[r] = static_cast<float>(weight * day_return);
      out.terminated[r] = 0;
      out.truncated[r] = ++day_[r] >= length_;
      if (out.truncated[r]) day_[r] = 0;
      signal_[r] = rng_.normal();  // days are independent: a new episode's first day is just the next day
      out.final_observations[r] = static_cast<float>(signal_[r]);
      out.observations[r] = static_cast<float>(signal_[r]);
    }
  }

 private:
  std::size_t rows_, length_;
  bool continuous_;
  std::vector<double> signal_;
  std::vector<std::size_t> day_;
  core::Rng rng_{0};
};

}  // namespace kestrel::rl::toy
