#include "features/rolling_stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "features/vector_math.hpp"

namespace kestrel::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Random walk with a few missing values, so windows that contain one must give NaN.
std::vector<double> walk(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> step(0.0, 0.02);
  std::vector<double> x(n);
  double level = 3.0;
  for (auto& v : x) {
    level += step(rng);
    v = level;
  }
  x[57] = kNaN;
  x[58] = kNaN;
  x[211] = kNaN;
  return x;
}

// The window ending at i, or empty when it is incomplete or has a NaN.
std::vector<double> window(const std::vector<double>& x, std::size_t i, std::size_t w) {
  if (i + 1 < w) return {};
  std::vector<double> out(x.begin() + static_cast<std::ptrdiff_t>(i + 1 - w), x.begin() + static_cast<std::ptrdiff_t>(i + 1));
  if (std::ranges::any_of(out, [](double v) { return std::isnan(v); })) return {};
  return out;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

void expect_close(double ours, double naive, const char* what, std::size_t i) {
  if (std::isnan(naive)) {
    EXPECT_TRUE(std::isnan(ours)) << what << " at " << i;
  } else {
    EXPECT_NEAR(ours, naive, 1e-9 * std::max(1.0, std::fabs(naive))) << what << " at " << i;
  }
}

TEST(RollingStats, MatchNaiveWindowsAndPropagateMissingValues) {
  const auto x = walk(7, 400);
  const auto y = walk(8, 400);
  const std::size_t w = 30;
  std::vector<double> m(x.size()), sd(x.size()), sk(x.size()), ku(x.size()), hi(x.size()), lo(x.size()),
      dd(x.size()), beta(x.size()), corr(x.size()), resid(x.size());
  rolling_mean(x, w, m);
  rolling_std(x, w, sd);
  rolling_skew_kurt(x, w, sk, ku);
  rolling_max(x, w, hi);
  rolling_min(x, w, lo);
  rolling_max_drawdown(x, w, dd);
  rolling_regression(x, y, w, beta, corr, resid);
  std::size_t checked = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto v = window(x, i, w);
    const auto u = window(y, i, w);
    if (v.empty()) {
      for (const auto* out : {&m, &sd, &sk, &ku, &hi, &lo, &dd}) EXPECT_TRUE(std::isnan((*out)[i])) << i;
      continue;
    }
    ++checked;
    const double mu = mean(v);
    double m2 = 0, m3 = 0, m4 = 0;
    for (double a : v) {
      const double d = a - mu;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    const double n = static_cast<double>(w);
    expect_close(m[i], mu, "mean", i);
    expect_close(sd[i], std::sqrt(m2 / (n - 1)), "std", i);
    expect_close(sk[i], (m3 / n) / std::pow(m2 / n, 1.5), "skew", i);
    expect_close(ku[i], (m4 / n) / ((m2 / n) * (m2 / n)) - 3, "kurt", i);
    expect_close(hi[i], *std::ranges::max_element(v), "max", i);
    expect_close(lo[i], *std::ranges::min_element(v), "min", i);
    double peak = v[0], worst = 0;
    for (double a : v) {
      peak = std::max(peak, a);
      worst = std::max(worst, peak - a);
    }
    expect_close(dd[i], 1 - std::exp(-worst), "drawdown", i);
    if (u.empty()) continue;
    const double mx = mu, my = mean(u);
    double sxx = 0, syy = 0, sxy = 0;
    for (std::size_t k = 0; k < w; ++k) {
      sxx += (v[k] - mx) * (v[k] - mx);
      syy += (u[k] - my) * (u[k] - my);
      sxy += (v[k] - mx) * (u[k] - my);
    }
    const double b = sxy / sxx;
    EXPECT_NEAR(beta[i], b, 1e-9 * std::max(1.0, std::fabs(b))) << i;
    EXPECT_NEAR(corr[i], sxy / std::sqrt(sxx * syy), 1e-9) << i;
    EXPECT_NEAR(resid[i], std::sqrt(std::max(0.0, (syy - b * sxy) / n)), 1e-9) << i;
  }
  EXPECT_GT(checked, 250u);
}

// The feature set computes several windows of a mean or a standard deviation in one pass;
// each must equal its own one-window call bit for bit, NaN windows included. Every count of
// windows (1 to kMaxWindows) is checked, since each count has its own loop.
TEST(RollingStats, SeveralWindowsAtOnceEqualOneWindowCalls) {
  const auto x = walk(11, 400);
  const std::vector<std::size_t> all_windows{5, 10, 20, 60, 120, 252};
  ASSERT_EQ(all_windows.size(), kMaxWindows);
  for (std::size_t count = 1; count <= all_windows.size(); ++count) {
    const std::span<const std::size_t> windows(all_windows.data(), count);
    std::vector<std::vector<double>> together(count, std::vector<double>(x.size()));
    const std::vector<std::span<double>> outs(together.begin(), together.end());
    std::vector<double> alone(x.size());
    auto expect_same = [&](const char* statistic, std::size_t k) {
      for (std::size_t i = 0; i < x.size(); ++i) {
        ASSERT_TRUE((std::isnan(alone[i]) && std::isnan(together[k][i])) || alone[i] == together[k][i])
            << statistic << " window " << windows[k] << " of " << count << " at " << i << ": " << alone[i]
            << " vs " << together[k][i];
      }
    };
    rolling_std(x, windows, outs);
    for (std::size_t k = 0; k < count; ++k) {
      rolling_std(x, windows[k], alone);
      expect_same("std", k);
    }
    rolling_mean(x, windows, outs);
    for (std::size_t k = 0; k < count; ++k) {
      rolling_mean(x, windows[k], alone);
      expect_same("mean", k);
    }
  }
}

// The block decomposition must give exactly the direct scan's value for every window length,
// including windows that start on a block boundary, span a missing value or exceed the data.
TEST(RollingStats, MaxDrawdownEqualsTheDirectScanExactly) {
  const auto x = walk(11, 300);
  for (std::size_t w : {1u, 2u, 3u, 20u, 57u, 60u, 120u, 299u, 300u, 301u}) {
    std::vector<double> dd(x.size());
    rolling_max_drawdown(x, w, dd);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const auto v = window(x, i, w);
      if (v.empty()) {
        EXPECT_TRUE(std::isnan(dd[i])) << "w=" << w << " i=" << i;
        continue;
      }
      double peak = v[0], worst = 0;
      for (double a : v) {
        peak = std::max(peak, a);
        worst = std::max(worst, peak - a);
      }
      double growth = -worst;  // the kernel's exponential, the one of every price feature
      exp_of({&growth, 1}, {&growth, 1});
      EXPECT_EQ(dd[i], 1 - growth) << "w=" << w << " i=" << i;
    }
  }
}

}  // namespace
}  // namespace kestrel::features
