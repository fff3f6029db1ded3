#include "features/value_sort.hpp"

#include <array>
#include <utility>

namespace kestrel::features {

void sort_by_value(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& scratch) {
  if (keys.size() < 2) return;
  // Four byte passes over the value bits; a pass where every key has the same byte is skipped.
  std::array<std::array<std::uint32_t, 256>, 4> counts{};
  for (std::uint64_t k : keys) {
    for (std::size_t pass = 0; pass < 4; ++pass) ++counts[pass][(k >> (32 + 8 * pass)) & 0xff];
  }
  scratch.resize(keys.size());
  for (std::size_t pass = 0; pass < 4; ++pass) {
    auto& count = counts[pass];
    const unsigned shift = static_cast<unsigned>(32 + 8 * pass);
    if (count[(keys.front() >> shift) & 0xff] == keys.size()) continue;
    std::uint32_t offset = 0;
    for (auto& c : count) offset += std::exchange(c, offset);
    for (std::uint64_t k : keys) scratch[count[(k >> shift) & 0xff]++] = k;
    keys.swap(scratch);
  }
}

}  // namespace kestrel::features
