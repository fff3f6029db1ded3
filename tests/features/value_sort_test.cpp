#include "features/value_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <span>
#include <utility>
#include <vector>

namespace kestrel::features {
namespace {

// Keys sorted by sort_by_value against the indices in std::stable_sort's order by value.
void expect_stable_order(const std::vector<float>& v) {
  const std::size_t n = v.size();
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
    expect_stable_order(v);
  }
}

// Values in a few groups that share their upper 24 bits and differ only in the last mantissa
// byte, with ties: their order comes from the first byte pass alone, and the later passes (a
// few digits for all keys) must keep it.
TEST(ValueSort, OrdersValuesThatDifferOnlyInTheirLastBits) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::uint32_t> low_byte(0, 255);
  std::uniform_int_distribution<int> base(0, 3);
  for (std::size_t n : {2u, 5u, 40u, 300u, 5000u}) {
    for (bool negative : {false, true}) {
      std::vector<float> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        // Base 1, 2, 4 or 8 (or its negative) with a random last byte of mantissa.
        float x = static_cast<float>(1 << base(rng)) * (negative ? -1.0f : 1.0f);
        std::uint32_t bits = 0;
        std::memcpy(&bits, &x, sizeof bits);
        bits |= low_byte(rng) % (i % 7 == 0 ? 2 : 256);  // every 7th value 0 or 1: ties
        std::memcpy(&x, &bits, sizeof bits);
        v[i] = x;
      }
      expect_stable_order(v);
    }
  }
}

// The tie groups of sorted keys: each run of equal values (-0 with +0) once, in order, as
// [first, last) positions; a single value is a group of its own.
TEST(ValueSort, TieGroupsAreTheRunsOfEqualValues) {
  const std::vector<float> v{3.0f, -0.0f, 3.0f, 2.0f, 0.0f, 0.0f, 7.0f};
  std::vector<std::uint64_t> keys(v.size()), scratch;
  for (std::size_t i = 0; i < v.size(); ++i) keys[i] = value_key(v[i], i);
  sort_by_value(keys, scratch);
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  for_each_tie_group(keys, [&](std::size_t first, std::size_t last) { groups.emplace_back(first, last); });
  const std::vector<std::pair<std::size_t, std::size_t>> expected{{0, 3}, {3, 4}, {4, 6}, {6, 7}};
  EXPECT_EQ(groups, expected);
  groups.clear();
  for_each_tie_group(std::span<const std::uint64_t>(), [&](std::size_t first, std::size_t last) {
    groups.emplace_back(first, last);
  });
  EXPECT_TRUE(groups.empty());
}

}  // namespace
}  // namespace kestrel::features
