// LibTorch on CPU allocates and frees large buffers every step; on these VMs fresh memory is
// slow and glibc malloc hands it back to the kernel eagerly, which made training steps
// several times slower than under jemalloc with decay disabled (figures in
// docs/benchmarks.md, "Models"). kestrel therefore re-executes itself once with jemalloc
// preloaded and MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 (a user's own MALLOC_CONF
// wins). KESTREL_MALLOC=system opts out; sanitizer builds never re-exec (their runtime must
// come first).
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "cli_support.hpp"

namespace kestrel::app {

void use_fast_allocator(char** argv) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  (void)argv;
#else
  constexpr const char* kJemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
  if (std::getenv("KESTREL_MALLOC") != nullptr) return;  // "system", or already re-executed
  if (access(kJemalloc, R_OK) != 0) return;              // not installed: keep glibc malloc
  const char* preload = std::getenv("LD_PRELOAD");
  const std::string original = preload != nullptr ? preload : "";
  const std::string libs = original.empty() ? std::string(kJemalloc) : std::string(kJemalloc) + ":" + original;
  setenv("LD_PRELOAD", libs.c_str(), 1);
  setenv("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1", 0);
  setenv("KESTREL_MALLOC", "jemalloc", 1);
  execv("/proc/self/exe", argv);
  // execv only returns on failure: carry on with the allocator we have.
  if (original.empty()) {
    unsetenv("LD_PRELOAD");
  } else {
    setenv("LD_PRELOAD", original.c_str(), 1);
  }
#endif
}

}  // namespace kestrel::app
