#pragma once
// The interface every reinforcement-learning environment offers the agents (rl_agents/): a batch
// of `num_envs()` independent rows stepped together (the trading environment's rows are
// (episode, ticker) pairs; a toy environment's rows are copies of the toy). Flat float buffers
// keep the environments free of LibTorch, so they build, test and benchmark without it.
//
// Rows reset themselves: when a row's episode ends, `step` reports it (terminated: a true end,
// whose value is 0; truncated: cut by a time limit, whose value is not 0) and writes the new
// episode's first observation into that row, after copying the last observation of the episode
// that ended into `final_observations` — what an agent needs to bootstrap a truncated episode.
#include <cstddef>
#include <cstdint>
#include <span>

namespace kestrel::rl {

struct ActionSpace {
  enum class Kind { Discrete, Box };
  Kind kind = Kind::Discrete;
  std::size_t actions = 0;  // Discrete: actions 0 .. actions - 1, one per row
  std::size_t dims = 0;     // Box: a vector of `dims` values per row, each in [low, high]
  float low = 0;
  float high = 0;

  static ActionSpace discrete(std::size_t n) { return {Kind::Discrete, n, 0, 0, 0}; }
  static ActionSpace box(std::size_t dims, float low, float high) { return {Kind::Box, 0, dims, low, high}; }
  // Floats per row in an action buffer: 1 for a discrete space (the index as a float).
  std::size_t width() const { return kind == Kind::Discrete ? 1 : dims; }
};

// Buffers of one step, each row-major with num_envs rows.
struct StepBuffers {
  std::span<float> observations;        // [num_envs × observation_size]
  std::span<float> rewards;             // [num_envs]
  std::span<std::uint8_t> terminated;   // [num_envs]
  std::span<std::uint8_t> truncated;    // [num_envs]
  std::span<float> final_observations;  // [num_envs × observation_size]; rows valid where an episode ended
};

class VectorEnv {
 public:
  virtual ~VectorEnv() = default;
  virtual std::size_t num_envs() const = 0;
  virtual std::size_t observation_size() const = 0;
  virtual ActionSpace action_space() const = 0;
  // Starts every row's first episode; the same seed gives the same episodes.
  virtual void reset(std::uint64_t seed, std::span<float> observations) = 0;
  // `actions`: [num_envs × action_space().width()]. Box actions outside [low, high] are clipped.
  virtual void step(std::span<const float> actions, const StepBuffers& out) = 0;
};

}  // namespace kestrel::rl
