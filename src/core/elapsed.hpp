#pragma once
// Wall-clock seconds a piece of work took, for logs and reports (not trading time: that is
// core/clock.hpp's).
#include <chrono>

namespace kestrel::core {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace kestrel::core
