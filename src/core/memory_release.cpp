#include "core/memory_release.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <cstdint>
#include <string>

namespace kestrel::core {
namespace {

using Mallctl = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

Mallctl find_mallctl() {
  // jemalloc as linked into kestrel exports mallctl; without it the symbol is absent.
  static const auto found = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"));
  return found;
}

std::size_t jemalloc_resident(Mallctl mallctl) {
  // Statistics are cached per "epoch": advance it to read current figures.
  std::uint64_t epoch = 1;
  std::size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, sizeof(epoch));
  std::size_t resident = 0;
  size = sizeof(resident);
  if (mallctl("stats.resident", &resident, &size, nullptr, 0) != 0) return 0;
  return resident;
}

}  // namespace

MemoryRelease release_free_memory() {
  MemoryRelease release;
  if (const Mallctl mallctl = find_mallctl()) {
    release.resident_before = jemalloc_resident(mallctl);
    // MALLCTL_ARENAS_ALL (4096): every arena's dirty and muzzy pages.
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
    release.resident_after = jemalloc_resident(mallctl);
    return release;
  }
  malloc_trim(0);
  return release;
}

}  // namespace kestrel::core
