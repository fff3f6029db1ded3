#pragma once
// DQN's experience replay: a ring of the last `capacity` transitions (observation, action,
// reward, next observation, whether the episode truly ended there), sampled uniformly.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/rng.hpp"

namespace kestrel::rl {

class ReplayBuffer {
 public:
  ReplayBuffer(std::size_t capacity, std::size_t observation_size);
  void add(std::span<const float> observation, float action, float reward, std::span<const float> next_observation,
           bool terminated);
  std::size_t size() const { return size_; }

  struct Batch {
    std::vector<float> observations, next_observations;  // [n × observation_size]
    std::vector<float> actions, rewards, terminated;     // [n]
  };
  Batch sample(std::size_t n, core::Rng& rng) const;

 private:
  std::size_t capacity_, observation_size_;
  std::size_t next_ = 0, size_ = 0;
  std::vector<float> observations_, next_observations_, actions_, rewards_, terminated_;
};

}  // namespace kestrel::rl
