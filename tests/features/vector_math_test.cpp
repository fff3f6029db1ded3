#include "features/vector_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace kestrel::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::int64_t ulps_apart(double a, double b) {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x > y ? x - y : y - x;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The arguments the price features take: ratios of consecutive prices, prices and volumes for
// the logarithms, negated log drawdowns for the exponential; and a few edges.
std::vector<double> log_arguments() {
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> ratio(0.0, 0.03);
  std::lognormal_distribution<double> price(3.5, 1.5);
  std::lognormal_distribution<double> volume(14.0, 2.0);
  std::vector<double> x;
  for (int i = 0; i < 20000; ++i) x.insert(x.end(), {ratio(rng), price(rng), volume(rng)});
  x.insert(x.end(), {1.0, 0.5, 2.0, 1e-300, 1e300});
  return x;
}

std::vector<double> exp_arguments() {
  std::mt19937_64 rng(6);
  std::uniform_real_distribution<double> negated_drawdown(-5.0, 0.0);
  std::vector<double> x;
  for (int i = 0; i < 20000; ++i) x.push_back(negated_drawdown(rng));
  x.insert(x.end(), {0.0, -1e-12, -700.0});
  return x;
}

// libmvec's functions are within a few ulp of libm's on every argument the features take: 2 for
// the logarithms, 3 for the exponential (libm's are within half an ulp of the exact value).
TEST(VectorMath, AgreesWithLibmWithinTwoUlp) {
  const auto x = log_arguments();
  auto log_x = x;
  auto log1p_x = x;
  log_of(log_x, log_x);
  log1p_of(log1p_x, log1p_x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_LE(ulps_apart(log_x[i], std::log(x[i])), 2) << "log " << x[i];
    EXPECT_LE(ulps_apart(log1p_x[i], std::log1p(x[i])), 2) << "log1p " << x[i];
  }
  const auto y = exp_arguments();
  auto exp_y = y;
  exp_of(exp_y, exp_y);
  for (std::size_t i = 0; i < y.size(); ++i) EXPECT_LE(ulps_apart(exp_y[i], std::exp(y[i])), 3) << "exp " << y[i];
}

TEST(VectorMath, EdgeValuesAreLibmsOwn) {
  std::vector<double> x{kNaN, 0.0, -1.0, kInf, 1.0};
  log_of(x, x);
  EXPECT_TRUE(std::isnan(x[0]));
  EXPECT_EQ(x[1], -kInf);
  EXPECT_TRUE(std::isnan(x[2]));
  EXPECT_EQ(x[3], kInf);
  EXPECT_EQ(x[4], 0.0);
  std::vector<double> e{kNaN, -0.0, 0.0, -kInf, -800.0};
  exp_of(e, e);
  EXPECT_TRUE(std::isnan(e[0]));
  EXPECT_EQ(e[1], 1.0);
  EXPECT_EQ(e[2], 1.0);
  EXPECT_EQ(e[3], 0.0);
  EXPECT_EQ(e[4], 0.0);
}

// A value's result does not depend on where it sits: in a full block, in the padded last block
// of an array of any length, or alone (vector_log). Otherwise the same price would give
// different features depending on the length of its ticker's history.
TEST(VectorMath, AValuesResultDoesNotDependOnItsPosition) {
  const auto x = log_arguments();
  auto whole = x;
  log_of(whole, whole);
  for (std::size_t length = 1; length <= 9; ++length) {
    for (std::size_t start = 0; start + length <= 64; start += 7) {
      std::vector<double> part(x.begin() + static_cast<std::ptrdiff_t>(start),
                               x.begin() + static_cast<std::ptrdiff_t>(start + length));
      log_of(part, part);
      for (std::size_t k = 0; k < length; ++k) {
        ASSERT_TRUE(same_bits(part[k], whole[start + k])) << "value " << start + k << " in an array of " << length;
      }
    }
  }
  for (std::size_t i = 0; i < 64; ++i) EXPECT_TRUE(same_bits(vector_log(x[i]), whole[i])) << i;
}

}  // namespace
}  // namespace kestrel::features
