#include "features/value_sort.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace kestrel::features {

void sort_by_value(std::span<std::uint64_t> keys, std::vector<std::uint64_t>& scratch) {
  const std::size_t n = keys.size();
  if (n < 2) return;
  // Four byte passes over the value bits; a pass where every key has the same byte is skipped.
  std::array<std::array<std::uint32_t, 256>, 4> counts{};
  for (std::uint64_t k : keys) {
    for (std::size_t pass = 0; pass < 4; ++pass) ++counts[pass][(k >> (32 + 8 * pass)) & 0xff];
  }
  scratch.resize(n);
  std::uint64_t* from = keys.data();
  std::uint64_t* to = scratch.data();
  for (std::size_t pass = 0; pass < 4; ++pass) {
    auto& count = counts[pass];
    const unsigned shift = static_cast<unsigned>(32 + 8 * pass);
    if (count[(from[0] >> shift) & 0xff] == n) continue;
    std::uint32_t offset = 0;
    for (auto& c : count) offset += std::exchange(c, offset);
    for (std::size_t i = 0; i < n; ++i) to[count[(from[i] >> shift) & 0xff]++] = from[i];
    std::swap(from, to);
  }
  if (from != keys.data()) std::copy(from, from + n, keys.data());
}

}  // namespace kestrel::features
