#include "features/rolling_stats.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "features/avx2_clones.hpp"
#include "features/kernel_scratch.hpp"
#include "features/vector_math.hpp"

namespace kestrel::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Slides windows of the given lengths over `x` together, keeping the count of NaNs inside each,
// and calls add(k, i) / remove(k, i) for finite values entering / leaving window k and
// emit(k, i, full) after each step; `full` is true when window k holds windows[k] finite
// values. One loop serves every window, so that their chains of additions overlap. The number
// of windows is a compile-time constant so that the loop over them unrolls and each window's
// sums stay in registers rather than in an array in memory.
template <std::size_t N, class Add, class Remove, class Emit>
void slide(std::span<const double> x, const std::array<std::size_t, N>& windows, Add add, Remove remove,
           Emit emit) {
  std::array<std::size_t, N> missing{};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const bool present = !std::isnan(x[i]);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < N; ++k) {
      if (present) {
        add(k, i);
      } else {
        ++missing[k];
      }
      if (i >= windows[k]) {
        const std::size_t old = i - windows[k];
        if (std::isnan(x[old])) {
          --missing[k];
        } else {
          remove(k, old);
        }
      }
      emit(k, i, i + 1 >= windows[k] && missing[k] == 0);
    }
  }
}

// Calls body(lengths, rows) with the windows and their output rows as arrays whose size N is a
// compile-time constant (0 … kMaxWindows windows; 0 does nothing), for the kernels whose loops
// are instantiated per number of windows.
template <class Body>
void with_windows(std::span<const std::size_t> windows, std::span<const std::span<double>> outs, Body body) {
  auto call = [&]<std::size_t N>() {
    std::array<std::size_t, N> lengths{};
    std::array<double*, N> rows{};
    for (std::size_t k = 0; k < N; ++k) {
      lengths[k] = windows[k];
      rows[k] = outs[k].data();
    }
    body(lengths, rows);
  };
  static_assert(kMaxWindows == 6);
  switch (windows.size()) {
    case 0: return;
    case 1: return call.template operator()<1>();
    case 2: return call.template operator()<2>();
    case 3: return call.template operator()<3>();
    case 4: return call.template operator()<4>();
    case 5: return call.template operator()<5>();
    case 6: return call.template operator()<6>();
    default: assert(false && "at most kMaxWindows windows");
  }
}

// The first finite value: one-pass sums of deviations from it stay accurate when the data sit
// far from zero (a price level), where raw power sums would cancel.
double first_finite(std::span<const double> x) {
  for (double v : x) {
    if (!std::isnan(v)) return v;
  }
  return 0.0;
}

template <class Better>
void rolling_extreme(std::span<const double> x, std::size_t window, std::span<double> out, Better better) {
  assert(out.size() == x.size() && window >= 1);
  // van Herk / Gil-Werman: the window [i - w + 1, i] is a suffix of one block of w values and a
  // prefix of the next (blocks start at multiples of w), so its extreme is the better of the
  // suffix's (built backwards within each block) and the prefix's (built forwards): O(1) per
  // value without data-dependent branches. A window holding a NaN gives NaN; in the others both
  // parts hold only the window's values, so the result is exactly the window's extreme.
  const std::size_t n = x.size();
  auto pick = [&](double kept, double incoming) { return better(kept, incoming) ? kept : incoming; };
  auto prefix = kernel_scratch(n);
  auto suffix = kernel_scratch(n);
  for (std::size_t b = 0; b < n; b += window) {
    const std::size_t e = std::min(n, b + window);
    prefix[b] = x[b];
    for (std::size_t j = b + 1; j < e; ++j) prefix[j] = pick(prefix[j - 1], x[j]);
    suffix[e - 1] = x[e - 1];
    for (std::size_t j = e - 1; j > b; --j) suffix[j - 1] = pick(suffix[j], x[j - 1]);
  }
  std::size_t clean_run = 0;  // consecutive finite values ending at i
  for (std::size_t i = 0; i < n; ++i) {
    clean_run = std::isnan(x[i]) ? 0 : clean_run + 1;
    out[i] = clean_run >= window ? pick(suffix[i + 1 - window], prefix[i]) : kNaN;
  }
}

}  // namespace

void rolling_mean(std::span<const double> x, std::size_t window, std::span<double> out) {
  const std::array<std::size_t, 1> windows{window};
  const std::array<std::span<double>, 1> outs{out};
  rolling_mean(x, windows, outs);
}

KESTREL_AVX2_CLONES
void rolling_mean(std::span<const double> x, std::span<const std::size_t> windows,
                  std::span<const std::span<double>> outs) {
  assert(windows.size() == outs.size() && windows.size() <= kMaxWindows);
  for (std::size_t k = 0; k < windows.size(); ++k) assert(outs[k].size() == x.size() && windows[k] >= 1);
  with_windows(windows, outs, [&]<std::size_t N>(const std::array<std::size_t, N>& lengths,
                                                  const std::array<double*, N>& out) {
    // The means are divided out in a second, vectorised pass.
    std::array<double, N> sum{};
    slide(
        x, lengths, [&](std::size_t k, std::size_t i) { sum[k] += x[i]; },
        [&](std::size_t k, std::size_t i) { sum[k] -= x[i]; },
        [&](std::size_t k, std::size_t i, bool full) { out[k][i] = full ? sum[k] : kNaN; });
  });
  for (std::size_t k = 0; k < windows.size(); ++k) {
    const double w = static_cast<double>(windows[k]);
    for (double& v : outs[k]) v /= w;  // NaN stays NaN
  }
}

// The moment kernels run in two passes: the window sums (a chain of dependent additions,
// NaN where the window is not full) and then the statistic from them, element by element,
// which the compiler vectorises — its divisions and square roots are most of the cost.

void rolling_std(std::span<const double> x, std::size_t window, std::span<double> out) {
  const std::array<std::size_t, 1> windows{window};
  const std::array<std::span<double>, 1> outs{out};
  rolling_std(x, windows, outs);
}

KESTREL_AVX2_CLONES
void rolling_std(std::span<const double> x, std::span<const std::size_t> windows,
                 std::span<const std::span<double>> outs) {
  const std::size_t lanes = windows.size();
  const std::size_t n = x.size();
  assert(lanes == outs.size() && lanes <= kMaxWindows);
  const double shift = first_finite(x);
  auto squares = kernel_scratch(lanes * n);
  for (std::size_t k = 0; k < lanes; ++k) assert(outs[k].size() == n && windows[k] >= 2);
  with_windows(windows, outs, [&]<std::size_t N>(const std::array<std::size_t, N>& lengths,
                                                  const std::array<double*, N>& out) {
    std::array<double, N> s1{};
    std::array<double, N> s2{};
    slide(
        x, lengths,
        [&](std::size_t k, std::size_t i) {
          const double d = x[i] - shift;
          s1[k] += d;
          s2[k] += d * d;
        },
        [&](std::size_t k, std::size_t i) {
          const double d = x[i] - shift;
          s1[k] -= d;
          s2[k] -= d * d;
        },
        [&](std::size_t k, std::size_t i, bool full) {
          out[k][i] = full ? s1[k] : kNaN;
          squares[k * n + i] = s2[k];
        });
  });
  for (std::size_t k = 0; k < lanes; ++k) {
    const double w = static_cast<double>(windows[k]);
    const double* sq = squares.data() + k * n;
    const std::span<double> out = outs[k];
    for (std::size_t i = 0; i < n; ++i) {
      const double sum = out[i];
      const double var = (sq[i] - sum * sum / w) / (w - 1);
      out[i] = std::isnan(sum) ? kNaN : (var > 0 ? std::sqrt(var) : 0.0);
    }
  }
}

KESTREL_AVX2_CLONES
void rolling_skew_kurt(std::span<const double> x, std::size_t window, std::span<double> skew,
                       std::span<double> kurt) {
  assert(skew.size() == x.size() && kurt.size() == x.size() && window >= 3);
  const std::size_t n = x.size();
  auto cubes = kernel_scratch(n);
  auto fourths = kernel_scratch(n);
  double s1 = 0;
  double s2 = 0;
  double s3 = 0;
  double s4 = 0;
  const double shift = first_finite(x);  // moments are shift-invariant
  const std::array<std::size_t, 1> windows{window};
  slide(
      x, windows,
      [&](std::size_t, std::size_t i) {
        const double v = x[i] - shift;
        const double v2 = v * v;
        s1 += v;
        s2 += v2;
        s3 += v2 * v;
        s4 += v2 * v2;
      },
      [&](std::size_t, std::size_t i) {
        const double v = x[i] - shift;
        const double v2 = v * v;
        s1 -= v;
        s2 -= v2;
        s3 -= v2 * v;
        s4 -= v2 * v2;
      },
      [&](std::size_t, std::size_t i, bool full) {
        skew[i] = full ? s1 : kNaN;
        kurt[i] = s2;
        cubes[i] = s3;
        fourths[i] = s4;
      });
  const double w = static_cast<double>(window);
  for (std::size_t i = 0; i < n; ++i) {
    const double sum = skew[i];
    const double squares = kurt[i];
    const double mean = sum / w;
    const double m2 = squares / w - mean * mean;
    const double m3 = cubes[i] / w - 3 * mean * squares / w + 2 * mean * mean * mean;
    const double m4 =
        fourths[i] / w - 4 * mean * cubes[i] / w + 6 * mean * mean * squares / w - 3 * mean * mean * mean * mean;
    // A window with (numerically) no variance has no shape; a NaN sum marks one not yet full.
    const bool shaped = (m2 > 1e-14 * (squares / w)) & !std::isnan(sum);  // & keeps the loop branch-free
    skew[i] = shaped ? m3 / (m2 * std::sqrt(m2)) : kNaN;
    kurt[i] = shaped ? m4 / (m2 * m2) - 3.0 : kNaN;
  }
}

void rolling_max(std::span<const double> x, std::size_t window, std::span<double> out) {
  rolling_extreme(x, window, out, [](double kept, double incoming) { return kept > incoming; });
}

void rolling_min(std::span<const double> x, std::size_t window, std::span<double> out) {
  rolling_extreme(x, window, out, [](double kept, double incoming) { return kept < incoming; });
}

KESTREL_AVX2_CLONES
void rolling_max_drawdown(std::span<const double> log_price, std::size_t window, std::span<double> out) {
  assert(out.size() == log_price.size() && window >= 1);
  // The window [i - w + 1, i] is the suffix S of one block of w values and the prefix P of
  // the next (blocks start at multiples of w), and
  //   drawdown(S then P) = max(drawdown(S), drawdown(P), max(S) - min(P)).
  // Suffix drawdowns and maxima are built backwards within each block, prefix drawdowns and
  // minima forwards, so every window costs O(1). Each term is a difference of two of the
  // window's values, so the result equals the direct O(w) scan exactly.
  const std::size_t n = log_price.size();
  const double* x = log_price.data();
  auto suffix_max = kernel_scratch(n);
  auto suffix_dd = kernel_scratch(n);
  auto prefix_min = kernel_scratch(n);
  auto prefix_dd = kernel_scratch(n);
  for (std::size_t b = 0; b < n; b += window) {
    const std::size_t e = std::min(n, b + window);
    double lo = x[b], dd = 0, peak = x[b];
    for (std::size_t j = b; j < e; ++j) {  // forwards: drawdown of x[b..j], min of x[b..j]
      peak = std::max(peak, x[j]);
      dd = std::max(dd, peak - x[j]);
      lo = std::min(lo, x[j]);
      prefix_dd[j] = dd;
      prefix_min[j] = lo;
    }
    double hi = x[e - 1], trough = x[e - 1];
    dd = 0;
    for (std::size_t j = e; j-- > b;) {  // backwards: drawdown of x[j..e-1], max of x[j..e-1]
      trough = std::min(trough, x[j]);
      dd = std::max(dd, x[j] - trough);
      hi = std::max(hi, x[j]);
      suffix_dd[j] = dd;
      suffix_max[j] = hi;
    }
  }
  // The worst log drawdown of each window first (negated, NaN where the window is not full of
  // values), then the fractions 1 - exp(-worst) in one vectorised pass.
  std::size_t clean_run = 0;  // consecutive finite values ending at i
  for (std::size_t i = 0; i < n; ++i) {
    clean_run = std::isnan(x[i]) ? 0 : clean_run + 1;
    if (clean_run < window) {
      out[i] = kNaN;
      continue;
    }
    const std::size_t first = i + 1 - window;
    double worst = 0;
    if (first % window == 0) {
      worst = prefix_dd[i];  // the window is one whole block
    } else {
      worst = std::max({suffix_dd[first], prefix_dd[i], suffix_max[first] - prefix_min[i]});
    }
    out[i] = -worst;
  }
  exp_of(out, out);
  for (double& v : out) v = 1.0 - v;
}

KESTREL_AVX2_CLONES
void rolling_regression(std::span<const double> x, std::span<const double> y, std::size_t window,
                        std::span<double> beta, std::span<double> corr, std::span<double> residual_std) {
  assert(x.size() == y.size() && window >= 3);
  const std::size_t n = x.size();
  // Window sums first (beta holds sx, NaN while the window is not full; corr sy; residual_std
  // sxx), then the statistics from them in a second pass, which the compiler vectorises: its
  // seven divisions and two square roots per value are most of the cost.
  auto sums_yy = kernel_scratch(n);
  auto sums_xy = kernel_scratch(n);
  double sx = 0;
  double sy = 0;
  double sxx = 0;
  double syy = 0;
  double sxy = 0;
  std::size_t missing = 0;
  auto bad = [&](std::size_t i) { return std::isnan(x[i]) || std::isnan(y[i]); };
  // Covariances are shift-invariant; shifting keeps the one-pass sums accurate.
  const double shift_x = first_finite(x);
  const double shift_y = first_finite(y);
  for (std::size_t i = 0; i < n; ++i) {
    if (bad(i)) {
      ++missing;
    } else {
      const double a = x[i] - shift_x;
      const double b = y[i] - shift_y;
      sx += a;
      sy += b;
      sxx += a * a;
      syy += b * b;
      sxy += a * b;
    }
    if (i >= window) {
      const std::size_t old = i - window;
      if (bad(old)) {
        --missing;
      } else {
        const double a = x[old] - shift_x;
        const double b = y[old] - shift_y;
        sx -= a;
        sy -= b;
        sxx -= a * a;
        syy -= b * b;
        sxy -= a * b;
      }
    }
    beta[i] = (i + 1 < window || missing != 0) ? kNaN : sx;
    corr[i] = sy;
    residual_std[i] = sxx;
    sums_yy[i] = syy;
    sums_xy[i] = sxy;
  }
  const double w = static_cast<double>(window);
  for (std::size_t i = 0; i < n; ++i) {
    const double mean_x = beta[i] / w;
    const double mean_y = corr[i] / w;
    const double var_x = residual_std[i] / w - mean_x * mean_x;
    const double var_y = sums_yy[i] / w - mean_y * mean_y;
    const double cov = sums_xy[i] / w - mean_x * mean_y;
    // & keeps the loop branch-free; a NaN sx marks a window that is not full.
    const bool defined = (var_x > 0) & (var_y > 0) & !std::isnan(mean_x);
    const double b = cov / var_x;
    const double residual_var = var_y - b * cov;
    beta[i] = defined ? b : kNaN;
    corr[i] = defined ? std::clamp(cov / std::sqrt(var_x * var_y), -1.0, 1.0) : kNaN;
    residual_std[i] = defined ? (residual_var > 0 ? std::sqrt(residual_var) : 0.0) : kNaN;
  }
}

}  // namespace kestrel::features
