#pragma once
// A fast non-cryptographic 64-bit checksum for detecting corrupt files (XXH64: four
// independent 8-byte lanes, ~10 GB/s per core, so checking a few hundred MB costs tens of
// milliseconds). It guards against accidents such as truncation and bit rot, not tampering.
#include <cstddef>
#include <cstdint>
#include <span>

namespace kestrel::core {

std::uint64_t xxh64(std::span<const std::byte> bytes, std::uint64_t seed = 0);

}  // namespace kestrel::core
