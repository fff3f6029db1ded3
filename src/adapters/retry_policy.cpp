#include "adapters/retry_policy.hpp"

#include <algorithm>

namespace kestrel::adapters {

std::chrono::milliseconds RetryPolicy::backoff(int failed_attempts) const {
  auto wait = initial_backoff;
  for (int i = 1; i < failed_attempts && wait < max_backoff; ++i) wait *= 2;
  return std::min(wait, max_backoff);
}

}  // namespace kestrel::adapters
