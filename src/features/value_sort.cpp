#include "features/value_sort.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace kestrel::features {

namespace {

// One stable scatter pass: to[count[digit]++] = key, for the keys in order. Done one key at a
// time, every key waits for the previous key's counter update when both have the same digit,
// which the upper bytes of a cross-section's values mostly do (a store-to-load chain that
// dominated the sort's time). Four keys at a time, each key's slot is its digit's counter plus
// the number of earlier keys of the group with the same digit, so a chain link is paid once per
// group; the stores of the counters in key order leave each digit's last, highest value.
void scatter_pass(const std::uint64_t* from, std::size_t n, unsigned shift, std::array<std::uint32_t, 256>& count,
                  std::uint64_t* to) {
  auto digit = [shift](std::uint64_t key) { return static_cast<std::size_t>((key >> shift) & 0xff); };
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint64_t k0 = from[i], k1 = from[i + 1], k2 = from[i + 2], k3 = from[i + 3];
    const std::size_t d0 = digit(k0), d1 = digit(k1), d2 = digit(k2), d3 = digit(k3);
    const std::uint32_t s0 = count[d0];
    const std::uint32_t s1 = count[d1] + (d1 == d0);
    const std::uint32_t s2 = count[d2] + (d2 == d0) + (d2 == d1);
    const std::uint32_t s3 = count[d3] + (d3 == d0) + (d3 == d1) + (d3 == d2);
    to[s0] = k0;
    to[s1] = k1;
    to[s2] = k2;
    to[s3] = k3;
    count[d0] = s0 + 1;
    count[d1] = s1 + 1;
    count[d2] = s2 + 1;
    count[d3] = s3 + 1;
  }
  for (; i < n; ++i) to[count[digit(from[i])]++] = from[i];
}

}  // namespace

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
    scatter_pass(from, n, shift, count, to);
    std::swap(from, to);
  }
  if (from != keys.data()) std::copy(from, from + n, keys.data());
}

}  // namespace kestrel::features
