#include "features/kernel_scratch.hpp"

#include <algorithm>
#include <atomic>

namespace kestrel::features {
namespace {

// Relaxed atomics: set by a test before a computation starts, read by its worker threads.
std::atomic<bool> g_poisoned{false};
std::atomic<double> g_poison{0.0};

}  // namespace

KernelScratch kernel_scratch(std::size_t n) {
  KernelScratch out(n);
  if (g_poisoned.load(std::memory_order_relaxed)) {
    std::fill(out.begin(), out.end(), g_poison.load(std::memory_order_relaxed));
  }
  return out;
}

void set_kernel_scratch_poison(std::optional<double> value) {
  g_poison.store(value.value_or(0.0), std::memory_order_relaxed);
  g_poisoned.store(value.has_value(), std::memory_order_relaxed);
}

}  // namespace kestrel::features
