#pragma once
// Work arrays of the feature kernels, left uninitialised. A build of us-daily makes about 80 of
// them per ticker (over 40,000 arrays, 1.5 GB in all, counted); value-initialised, as
// std::vector<double>(n) is, each would be zeroed and then overwritten, a needless pass over
// that memory. So every kernel must write an element before it reads it, or its values would
// depend on what the memory last held: the tests fill new work arrays with poison values
// (set_kernel_scratch_poison) and require every feature to come out the same, bit for bit.
#include <cstddef>
#include <optional>
#include <vector>

#include "core/uninitialised_allocator.hpp"

namespace kestrel::features {

using KernelScratch = std::vector<double, core::UninitialisedAllocator<double>>;

// A work array of n values, uninitialised (filled with the poison value while one is set).
KernelScratch kernel_scratch(std::size_t n);

// For tests: fill every work array made from now on with `value`; nullopt stops it.
void set_kernel_scratch_poison(std::optional<double> value);

}  // namespace kestrel::features
