#pragma once
// What an agent reports while it learns (through an injected callback; the apps draw it as a
// progress bar), and a tracker of the episode returns that feed it.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <vector>

namespace kestrel::rl {

struct TrainingProgress {
  std::int64_t steps = 0;        // environment steps so far (rows × vector steps), over all runs resumed
  std::int64_t total_steps = 0;  // what this call of learn() will reach
  std::int64_t episodes = 0;     // episodes finished
  double mean_episode_return = 0;  // over the last 100 finished episodes (0 before the first)
  double loss = 0;               // the last update's loss
};

using ProgressSink = std::function<void(const TrainingProgress&)>;

// Sums each row's rewards until its episode ends, and keeps the last 100 finished returns.
class EpisodeReturns {
 public:
  explicit EpisodeReturns(std::size_t rows) : running_(rows, 0.0) {}
  void add(std::span<const float> rewards, std::span<const std::uint8_t> terminated,
           std::span<const std::uint8_t> truncated);
  std::int64_t finished() const { return finished_; }
  double mean_recent() const;

 private:
  std::vector<double> running_;
  std::deque<double> recent_;
  std::int64_t finished_ = 0;
};

}  // namespace kestrel::rl
