#include "rl_agents/replay_buffer.hpp"

#include <algorithm>

namespace kestrel::rl {

ReplayBuffer::ReplayBuffer(std::size_t capacity, std::size_t observation_size)
    : capacity_(capacity), observation_size_(observation_size) {
  // Grown on demand up to the capacity: SB3's default capacity (a million) should not cost
  // memory a short run never uses.
  observations_.reserve(std::min<std::size_t>(capacity, 4096) * observation_size);
}

void ReplayBuffer::add(std::span<const float> observation, float action, float reward,
                       std::span<const float> next_observation, bool terminated) {
  if (size_ < capacity_) {
    observations_.insert(observations_.end(), observation.begin(), observation.end());
    next_observations_.insert(next_observations_.end(), next_observation.begin(), next_observation.end());
    actions_.push_back(action);
    rewards_.push_back(reward);
    terminated_.push_back(terminated ? 1.0f : 0.0f);
    ++size_;
    next_ = size_ % capacity_;
    return;
  }
  std::copy(observation.begin(), observation.end(), observations_.begin() + next_ * observation_size_);
  std::copy(next_observation.begin(), next_observation.end(), next_observations_.begin() + next_ * observation_size_);
  actions_[next_] = action;
  rewards_[next_] = reward;
  terminated_[next_] = terminated ? 1.0f : 0.0f;
  next_ = (next_ + 1) % capacity_;
}

ReplayBuffer::Batch ReplayBuffer::sample(std::size_t n, core::Rng& rng) const {
  Batch batch;
  batch.observations.resize(n * observation_size_);
  batch.next_observations.resize(n * observation_size_);
  batch.actions.resize(n);
  batch.rewards.resize(n);
  batch.terminated.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = rng.below(size_);
    std::copy_n(observations_.begin() + i * observation_size_, observation_size_,
                batch.observations.begin() + k * observation_size_);
    std::copy_n(next_observations_.begin() + i * observation_size_, observation_size_,
                batch.next_observations.begin() + k * observation_size_);
    batch.actions[k] = actions_[i];
    batch.rewards[k] = rewards_[i];
    batch.terminated[k] = terminated_[i];
  }
  return batch;
}

}  // namespace kestrel::rl
