#pragma once
// Work arrays of the feature kernels, left uninitialised. A build of us-daily makes about 40 of
// them per ticker and run of bars (20,000 in all, 40 KB each); value-initialised, as
// std::vector<double>(n) is, each would be zeroed and then overwritten, a needless pass over
// 0.7 GB per build. Every kernel writes an element before it reads it: a build whose scratch
// arrays start filled with a poison value exports the same bytes (docs/benchmarks.md).
#include <vector>

#include "core/large_array_allocator.hpp"

namespace kestrel::features {

using KernelScratch = std::vector<double, core::LargeArrayAllocator<double>>;

}  // namespace kestrel::features
