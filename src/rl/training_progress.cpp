#include "rl/training_progress.hpp"

namespace kestrel::rl {

void EpisodeReturns::add(std::span<const float> rewards, std::span<const std::uint8_t> terminated,
                         std::span<const std::uint8_t> truncated) {
  for (std::size_t i = 0; i < running_.size(); ++i) {
    running_[i] += rewards[i];
    if (terminated[i] || truncated[i]) {
      recent_.push_back(running_[i]);
      if (recent_.size() > 100) recent_.pop_front();
      running_[i] = 0;
      ++finished_;
    }
  }
}

double EpisodeReturns::mean_recent() const {
  if (recent_.empty()) return 0;
  double sum = 0;
  for (double r : recent_) sum += r;
  return sum / static_cast<double>(recent_.size());
}

}  // namespace kestrel::rl
