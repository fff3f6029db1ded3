#pragma once
// Hands memory the allocator keeps for reuse back to the operating system.
//
// kestrel runs with jemalloc's decay off (apps/kestrel/allocator.cpp): LibTorch allocates and
// frees large buffers every training step, and purging them as they are freed made training
// 20% slower on the sample pipeline. The price is that freed memory stays with the process,
// in every arena that once held it, so a long run's resident size grows to the sum of its
// stages' peaks (19 GB on the us-daily pipeline). Long jobs call this between stages (one
// model and the next) instead: each stage's peak is then its own.
//
// With jemalloc (found at run time, so binaries and tests without it work alike) every
// arena's unused pages are purged; with glibc's allocator, malloc_trim. Returns the bytes
// the allocator had resident before and after, as far as it can tell (0 when it cannot).
#include <cstddef>

namespace kestrel::core {

struct MemoryRelease {
  std::size_t resident_before = 0;
  std::size_t resident_after = 0;
};

MemoryRelease release_free_memory();

}  // namespace kestrel::core
