#include "core/checksum.hpp"

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace kestrel::core {
namespace {

std::uint64_t hash_text(std::string_view text) { return xxh64(std::as_bytes(std::span(text.data(), text.size()))); }

std::vector<std::byte> sequence(std::size_t n) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((i * 7) % 256);
  return out;
}

TEST(Checksum, MatchesPublishedXxh64Values) {
  EXPECT_EQ(hash_text(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(hash_text("abc"), 0x44BC2CF5AD770999ULL);
}

// zstd --check stores the low 32 bits of XXH64 (seed 0) of the content; these were taken from
// it, for lengths that go through every tail path and the four-lane loop.
TEST(Checksum, LowBitsMatchZstdFrameChecksums) {
  const std::vector<std::pair<std::size_t, std::uint32_t>> expected = {
      {1, 0xdb052768}, {5, 0x8a6fd093},  {8, 0x65b924eb},  {31, 0xb1e722b7},
      {32, 0x31a8c629}, {33, 0xf8d65b94}, {39, 0x000a8ff7}, {1000, 0xa9cfc168}};
  for (const auto& [n, low] : expected) {
    EXPECT_EQ(static_cast<std::uint32_t>(xxh64(sequence(n))), low) << n << " bytes";
  }
}

TEST(Checksum, SeedAndEveryByteMatter) {
  auto bytes = sequence(100);
  const auto h = xxh64(bytes);
  EXPECT_NE(xxh64(bytes, 1), h);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] ^= std::byte{1};
    EXPECT_NE(xxh64(bytes), h) << "byte " << i;
    bytes[i] ^= std::byte{1};
  }
}

}  // namespace
}  // namespace kestrel::core
