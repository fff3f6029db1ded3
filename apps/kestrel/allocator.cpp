// kestrel is linked with jemalloc (apps/kestrel/CMakeLists.txt), which replaces malloc for
// the whole process from its first allocation, LibTorch's included. Decay is disabled: LibTorch
// on CPU allocates and frees large buffers every training step, and memory handed back to the
// kernel and faulted in again made steps several times slower (docs/benchmarks.md, "Models").
// jemalloc reads this string first; /etc/malloc.conf and $MALLOC_CONF still override it.
extern "C" {
// NOLINTNEXTLINE: the name is jemalloc's contract.
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
