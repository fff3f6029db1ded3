#pragma once
// How often and how patiently a failed vendor call is retried: exponential backoff from
// `initial_backoff`, doubling per failure, capped at `max_backoff`. No jitter: a collector
// run is sequential, so there is no herd to spread, and fixed delays keep runs reproducible.
#include <chrono>

namespace kestrel::adapters {

struct RetryPolicy {
  int max_attempts = 5;  // first try included
  std::chrono::milliseconds initial_backoff{2000};
  std::chrono::milliseconds max_backoff{60000};

  // Wait before attempt `failed_attempts + 1`, after `failed_attempts` (>= 1) failures.
  std::chrono::milliseconds backoff(int failed_attempts) const;
};

}  // namespace kestrel::adapters
