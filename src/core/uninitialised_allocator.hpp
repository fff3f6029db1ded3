#pragma once
// An allocator for arrays that the caller fills itself: the feature matrix (gigabytes) and the
// feature kernels' work arrays (features/kernel_scratch.hpp, tens of thousands per build).
// - resize() leaves new elements uninitialised (default-initialised), so the memory is
//   written once, by the code that computes it, in parallel — not zeroed first on one thread;
// - blocks of 32 MiB or more (the matrix) are aligned to 2 MiB and marked for transparent huge pages
//   (Linux, where THP is in "madvise" mode as on Debian), which cuts the page faults of the
//   first write about 500-fold and the TLB misses of strided reads.
// Code that resizes and then reads must write first (or use assign / resize(n, value)).
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace kestrel::core {

template <class T>
struct UninitialisedAllocator {
  using value_type = T;

  static constexpr std::size_t kHugeThreshold = std::size_t{32} << 20;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  UninitialisedAllocator() = default;
  template <class U>
  UninitialisedAllocator(const UninitialisedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    void* p = ::operator new(bytes, std::align_val_t{kHugePage});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    ::operator delete(p, std::align_val_t{bytes < kHugeThreshold ? alignof(T) : kHugePage});
  }

  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const UninitialisedAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace kestrel::core
