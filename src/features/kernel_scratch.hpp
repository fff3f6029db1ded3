#pragma once
// Work arrays of the feature kernels, left uninitialised. A build of us-daily makes about 80 of
// them per ticker (over 40,000 arrays, 1.5 GB in all, counted); value-initialised, as
// std::vector<double>(n) is, each would be zeroed and then overwritten, a needless pass over
// that memory. Every kernel writes an element before it reads it: a build whose scratch arrays
// start filled with a poison value exports the same bytes (docs/benchmarks.md).
#include <vector>

#include "core/large_array_allocator.hpp"

namespace kestrel::features {

using KernelScratch = std::vector<double, core::LargeArrayAllocator<double>>;

}  // namespace kestrel::features
