#include "features/value_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace kestrel::features {
namespace {

// The radix sort must give exactly std::stable_sort's order by value (float <), with -0 and +0
// equal, over negatives, denormals, infinities and heavy ties.
TEST(ValueSort, OrdersLikeAStableSortOfTheFloats) {
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.0f, 50.0f);
  for (std::size_t n : {2u, 3u, 17u, 500u, 20000u}) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) {
      switch (i % 9) {
        case 0: v[i] = 0.0f; break;
        case 1: v[i] = -0.0f; break;
        case 2: v[i] = static_cast<float>(static_cast<int>(noise(rng)) % 4); break;  // ties
        case 3: v[i] = std::numeric_limits<float>::denorm_min() * static_cast<float>(i % 3) * (i % 2 ? -1.0f : 1.0f); break;
        case 4: v[i] = i % 2 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity(); break;
        default: v[i] = noise(rng);
      }
    }
    std::vector<std::uint64_t> keys(n), scratch;
    for (std::size_t i = 0; i < n; ++i) keys[i] = value_key(v[i], i);
    sort_by_value(keys, scratch);
    std::vector<std::size_t> expected(n);
    std::iota(expected.begin(), expected.end(), std::size_t{0});
    std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_EQ(key_index(keys[k]), expected[k]) << "n=" << n << " position " << k;
      if (k > 0) {
        EXPECT_EQ(same_value(keys[k], keys[k - 1]), v[expected[k]] == v[expected[k - 1]]) << k;
      }
    }
  }
}

}  // namespace
}  // namespace kestrel::features
