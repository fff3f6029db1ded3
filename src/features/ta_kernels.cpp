#include "features/ta_kernels.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "features/kernel_scratch.hpp"
#include "features/rolling_stats.hpp"

namespace kestrel::features::ta {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// TA-Lib's TA_IS_ZERO: its guard against dividing by (almost) nothing.
bool is_zero(double v) { return -0.00000001 < v && v < 0.00000001; }
bool is_zero_or_neg(double v) { return v < 0.00000001; }

double period_to_k(std::size_t period) { return 2.0 / static_cast<double>(period + 1); }

void fill_nan(std::span<double> out, std::size_t count) {
  std::fill_n(out.begin(), std::min(count, out.size()), kNaN);
}

// TA_INT_EMA called with startIdx = `start` (>= period-1): seeded at `start` by the SMA of the
// `period` values ending there, then out[i] = (in[i] - prev) * k + prev.
void int_ema(const double* in, std::size_t n, std::size_t period, double k, std::size_t start, double* out) {
  if (n <= start) return;
  double sum = 0;
  std::size_t today = start + 1 - period;
  for (std::size_t i = 0; i < period; ++i) sum += in[today++];
  double prev = sum / static_cast<double>(period);
  out[start] = prev;
  for (; today < n; ++today) {
    prev = ((in[today] - prev) * k) + prev;
    out[today] = prev;
  }
}

// TA-Lib's TRUE_RANGE macro: the largest of high-low, |high - prev close|, |low - prev close|.
double true_range(double high, double low, double prev_close) {
  double out = high - low;
  const double a = std::fabs(high - prev_close);
  if (a > out) out = a;
  const double b = std::fabs(low - prev_close);
  if (b > out) out = b;
  return out;
}

// Rolling lowest low and highest high over `period` bars, passed to `emit(index, lowest,
// highest)` from index period-1 on. TA-Lib's STOCH/WILLR rescan the window when the extreme
// leaves it; the extremes are the same values however they are found.
template <class Emit>
void rolling_extremes(std::span<const double> high, std::span<const double> low, std::size_t period, Emit emit) {
  const std::size_t n = high.size();
  if (n < period) return;
  auto lowest = kernel_scratch(n);
  auto highest = kernel_scratch(n);
  rolling_min(low, period, lowest);
  rolling_max(high, period, highest);
  for (std::size_t today = period - 1; today < n; ++today) emit(today, lowest[today], highest[today]);
}

// Several periods of one running kernel side by side. `seed(k)` prepares period k and returns
// the first bar it steps on; `step(k, i)` advances it by bar i. Each period steps alone until
// all have been seeded, then the periods step together, bar by bar, in a loop of fixed width
// that the compiler unrolls when there are `Lanes` of them, so their dependency chains overlap.
template <std::size_t Lanes, class Seed, class Step>
void run_side_by_side(std::size_t lanes, std::size_t n, Seed seed, Step step) {
  assert(lanes <= kMaxPeriods);
  std::array<std::size_t, kMaxPeriods> first{};
  std::size_t joint = 0;
  for (std::size_t k = 0; k < lanes; ++k) {
    first[k] = seed(k);
    joint = std::max(joint, first[k]);
  }
  for (std::size_t k = 0; k < lanes; ++k) {
    for (std::size_t i = first[k]; i < std::min(n, joint); ++i) step(k, i);
  }
  if (lanes == Lanes) {
    for (std::size_t i = joint; i < n; ++i) {
      for (std::size_t k = 0; k < Lanes; ++k) step(k, i);
    }
    return;
  }
  for (std::size_t i = joint; i < n; ++i) {
    for (std::size_t k = 0; k < lanes; ++k) step(k, i);
  }
}

// What every period of a side-by-side kernel does first: its warm-up is NaN. False when the
// series has fewer than `needed` values, too few to seed the period.
bool start_period(std::span<double> out, std::size_t n, std::size_t lookback, std::size_t needed) {
  assert(out.size() == n);
  fill_nan(out, lookback);
  return n >= needed;
}

// Wilder's ATR for several periods side by side: period k's warm-up in outs[k] is NaN and each
// of its values (index >= period) goes through `emit(k, index, atr)`. TA-Lib seeds with
// INT_SMA over the first `period` true ranges (indices 1..period).
template <std::size_t Lanes, class Emit>
void wilder_atr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
                std::span<const std::size_t> periods, std::span<const std::span<double>> outs, Emit emit) {
  assert(periods.size() == outs.size());
  const std::size_t n = close.size();
  std::array<double, kMaxPeriods> p{};
  std::array<double, kMaxPeriods> average{};
  auto seed = [&](std::size_t k) {
    const std::size_t period = periods[k];
    if (!start_period(outs[k], n, atr_lookback(period), period + 1)) return n;
    p[k] = static_cast<double>(period);
    double sum = 0;
    for (std::size_t i = 1; i <= period; ++i) sum += true_range(high[i], low[i], close[i - 1]);
    average[k] = sum / p[k];
    emit(k, period, average[k]);
    return period + 1;
  };
  auto step = [&](std::size_t k, std::size_t i) {
    average[k] *= p[k] - 1;
    average[k] += true_range(high[i], low[i], close[i - 1]);
    average[k] /= p[k];
    emit(k, i, average[k]);
  };
  run_side_by_side<Lanes>(periods.size(), n, seed, step);
}

}  // namespace

void sma(std::span<const double> in, std::size_t period, std::span<double> out) {
  const std::array<std::size_t, 1> periods{period};
  const std::array<std::span<double>, 1> outs{out};
  sma(in, periods, outs);
}

void ema(std::span<const double> in, std::size_t period, std::span<double> out) {
  assert(out.size() == in.size() && period >= 1);
  fill_nan(out, ema_lookback(period));
  int_ema(in.data(), in.size(), period, period_to_k(period), period - 1, out.data());
}

void sma(std::span<const double> in, std::span<const std::size_t> periods, std::span<const std::span<double>> outs) {
  assert(periods.size() == outs.size() && periods.size() <= kMaxPeriods);
  const std::size_t n = in.size();
  // TA_INT_SMA's order: the running sum gains in[i], is read, then loses the trailing value.
  std::array<double, kMaxPeriods> total{};
  std::array<double, kMaxPeriods> p{};
  auto seed = [&](std::size_t k) {
    const std::size_t period = periods[k];
    assert(period >= 1);
    if (!start_period(outs[k], n, sma_lookback(period), period)) return n;
    p[k] = static_cast<double>(period);
    for (std::size_t i = 0; i + 1 < period; ++i) total[k] += in[i];
    return period - 1;
  };
  auto step = [&](std::size_t k, std::size_t i) {
    total[k] += in[i];
    const double value = total[k];
    total[k] -= in[i + 1 - periods[k]];
    outs[k][i] = value / p[k];
  };
  run_side_by_side<kMaxPeriods>(periods.size(), n, seed, step);
}

void ema(std::span<const double> in, std::span<const std::size_t> periods, std::span<const std::span<double>> outs) {
  assert(periods.size() == outs.size() && periods.size() <= kMaxPeriods);
  const std::size_t n = in.size();
  // int_ema's: seeded at period-1 with the SMA of the first `period` values.
  std::array<double, kMaxPeriods> prev{};
  std::array<double, kMaxPeriods> k_factor{};
  auto seed = [&](std::size_t k) {
    const std::size_t period = periods[k];
    assert(period >= 1);
    if (!start_period(outs[k], n, ema_lookback(period), period)) return n;
    double sum = 0;
    for (std::size_t i = 0; i < period; ++i) sum += in[i];
    prev[k] = sum / static_cast<double>(period);
    outs[k][period - 1] = prev[k];
    k_factor[k] = period_to_k(period);
    return period;
  };
  auto step = [&](std::size_t k, std::size_t i) {
    prev[k] = ((in[i] - prev[k]) * k_factor[k]) + prev[k];
    outs[k][i] = prev[k];
  };
  run_side_by_side<kMaxPeriods>(periods.size(), n, seed, step);
}

void rsi(std::span<const double> in, std::size_t period, std::span<double> out) {
  const std::array<std::size_t, 1> periods{period};
  const std::array<std::span<double>, 1> outs{out};
  rsi(in, periods, outs);
}

void rsi(std::span<const double> in, std::span<const std::size_t> periods, std::span<const std::span<double>> outs) {
  assert(periods.size() == outs.size() && periods.size() <= kMaxPeriods);
  const std::size_t n = in.size();
  // Per period: the smoothed gain and loss, each step a chain of multiply, add and divide.
  std::array<double, kMaxPeriods> p{};
  std::array<double, kMaxPeriods> gain{};
  std::array<double, kMaxPeriods> loss{};
  auto value = [](double g, double l) {
    const double total = g + l;
    return is_zero(total) ? 0.0 : 100.0 * (g / total);
  };
  auto seed = [&](std::size_t k) {
    const std::size_t period = periods[k];
    assert(period >= 2);
    if (!start_period(outs[k], n, rsi_lookback(period), period + 1)) return n;
    p[k] = static_cast<double>(period);
    for (std::size_t i = 1; i <= period; ++i) {
      const double change = in[i] - in[i - 1];
      if (change < 0) {
        loss[k] -= change;
      } else {
        gain[k] += change;
      }
    }
    loss[k] /= p[k];
    gain[k] /= p[k];
    outs[k][period] = value(gain[k], loss[k]);
    return period + 1;
  };
  auto step = [&](std::size_t k, std::size_t i) {
    const double change = in[i] - in[i - 1];
    loss[k] *= (p[k] - 1);
    gain[k] *= (p[k] - 1);
    if (change < 0) {
      loss[k] -= change;
    } else {
      gain[k] += change;
    }
    loss[k] /= p[k];
    gain[k] /= p[k];
    outs[k][i] = value(gain[k], loss[k]);
  };
  run_side_by_side<3>(periods.size(), n, seed, step);  // the feature set's three periods
}

void macd(std::span<const double> in, std::size_t fast, std::size_t slow, std::size_t signal, std::span<double> line,
          std::span<double> signal_out, std::span<double> hist) {
  if (slow < fast) std::swap(slow, fast);
  const std::size_t n = in.size();
  const std::size_t start = slow - 1;  // where both EMAs are seeded
  const std::size_t first = macd_lookback(slow, signal);
  fill_nan(line, first);
  fill_nan(signal_out, first);
  fill_nan(hist, first);
  if (n <= first) return;
  auto slow_ema = kernel_scratch(n);
  auto fast_ema = kernel_scratch(n);
  int_ema(in.data(), n, slow, period_to_k(slow), start, slow_ema.data());
  int_ema(in.data(), n, fast, period_to_k(fast), start, fast_ema.data());
  auto diff = kernel_scratch(n - start);
  for (std::size_t i = start; i < n; ++i) diff[i - start] = fast_ema[i] - slow_ema[i];
  auto sig = kernel_scratch(diff.size());
  int_ema(diff.data(), diff.size(), signal, period_to_k(signal), signal - 1, sig.data());
  for (std::size_t i = first; i < n; ++i) {
    line[i] = diff[i - start];
    signal_out[i] = sig[i - start];
    hist[i] = line[i] - signal_out[i];
  }
}

void bbands(std::span<const double> in, std::size_t period, double deviations, std::span<double> upper,
            std::span<double> middle, std::span<double> lower) {
  const std::size_t n = in.size();
  const std::size_t first = sma_lookback(period);
  fill_nan(upper, first);
  fill_nan(middle, first);
  fill_nan(lower, first);
  if (n < period) return;
  sma(in, period, middle);
  // TA_INT_stddev_using_precalc_ma.
  const double p = static_cast<double>(period);
  double total2 = 0;
  std::size_t start_sum = 0;
  for (std::size_t i = 0; i < first; ++i) total2 += in[i] * in[i];
  for (std::size_t end_sum = first; end_sum < n; ++end_sum, ++start_sum) {
    total2 += in[end_sum] * in[end_sum];
    double mean2 = total2 / p;
    total2 -= in[start_sum] * in[start_sum];
    mean2 -= middle[end_sum] * middle[end_sum];
    const double stddev = is_zero_or_neg(mean2) ? 0.0 : std::sqrt(mean2);
    if (deviations == 1.0) {
      upper[end_sum] = middle[end_sum] + stddev;
      lower[end_sum] = middle[end_sum] - stddev;
    } else {
      const double width = stddev * deviations;
      upper[end_sum] = middle[end_sum] + width;
      lower[end_sum] = middle[end_sum] - width;
    }
  }
}

void atr(std::span<const double> high, std::span<const double> low, std::span<const double> close, std::size_t period,
         std::span<double> out) {
  const std::array<std::size_t, 1> periods{period};
  const std::array<std::span<double>, 1> outs{out};
  wilder_atr<1>(high, low, close, periods, outs, [&](std::size_t, std::size_t i, double value) { out[i] = value; });
}

void natr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
          std::size_t period, std::span<double> out) {
  const std::array<std::size_t, 1> periods{period};
  const std::array<std::span<double>, 1> outs{out};
  natr(high, low, close, periods, outs);
}

void natr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
          std::span<const std::size_t> periods, std::span<const std::span<double>> outs) {
  // Two periods in the feature set.
  wilder_atr<2>(high, low, close, periods, outs, [&](std::size_t k, std::size_t i, double value) {
    outs[k][i] = is_zero(close[i]) ? 0.0 : (value / close[i]) * 100.0;
  });
}

void stoch(std::span<const double> high, std::span<const double> low, std::span<const double> close,
           std::size_t fast_k, std::size_t slow_k, std::size_t slow_d, std::span<double> k, std::span<double> d) {
  const std::size_t n = close.size();
  const std::size_t first = stoch_lookback(fast_k, slow_k, slow_d);
  fill_nan(k, first);
  fill_nan(d, first);
  if (n <= first) return;
  auto raw = kernel_scratch(n);
  rolling_extremes(high, low, fast_k, [&](std::size_t i, double lowest, double highest) {
    const double diff = (highest - lowest) / 100.0;
    raw[i] = diff != 0.0 ? (close[i] - lowest) / diff : 0.0;
  });
  // Slow %K = SMA of raw %K from its first value; %D = SMA of slow %K from its first value.
  const std::size_t raw_start = fast_k - 1;
  auto slow = kernel_scratch(n);
  sma(std::span<const double>(raw).subspan(raw_start), slow_k, std::span<double>(slow).subspan(raw_start));
  const std::size_t slow_start = raw_start + slow_k - 1;
  auto dd = kernel_scratch(n);
  sma(std::span<const double>(slow).subspan(slow_start), slow_d, std::span<double>(dd).subspan(slow_start));
  for (std::size_t i = first; i < n; ++i) {
    k[i] = slow[i];
    d[i] = dd[i];
  }
}

void willr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
           std::size_t period, std::span<double> out) {
  fill_nan(out, period - 1);
  rolling_extremes(high, low, period, [&](std::size_t i, double lowest, double highest) {
    const double diff = (highest - lowest) / (-100.0);
    out[i] = diff != 0.0 ? (highest - close[i]) / diff : 0.0;
  });
}

void cci(std::span<const double> high, std::span<const double> low, std::span<const double> close, std::size_t period,
         std::span<double> out) {
  const std::size_t n = close.size();
  fill_nan(out, period - 1);
  if (n < period) return;
  const double p = static_cast<double>(period);
  // TA-Lib keeps the typical prices in a circular buffer and sums it in buffer order, which
  // matters for the last bits of (typical - average) when the two are close. On bar i slot r
  // holds the latest bar j <= i with j % period == r: the window read from the start of i's
  // period block, then wrapping round. Each sum is a chain of dependent additions in that
  // order, so kLanes bars are summed side by side (same order each) to overlap the chains.
  auto typical = kernel_scratch(n);
  for (std::size_t i = 0; i < n; ++i) typical[i] = (high[i] + low[i] + close[i]) / 3;
  constexpr std::size_t kLanes = 4;
  auto emit = [&](std::size_t first, std::size_t lanes) {
    std::array<std::size_t, kLanes> block_start{};
    std::array<double, kLanes> average{};
    std::array<double, kLanes> deviation{};
    for (std::size_t k = 0; k < lanes; ++k) block_start[k] = first + k - (first + k) % period;
    auto slot = [&](std::size_t k, std::size_t r) {
      const std::size_t j = block_start[k] + r;
      return typical[j > first + k ? j - period : j];
    };
    for (std::size_t r = 0; r < period; ++r) {
      for (std::size_t k = 0; k < lanes; ++k) average[k] += slot(k, r);
    }
    for (std::size_t k = 0; k < lanes; ++k) average[k] /= p;
    for (std::size_t r = 0; r < period; ++r) {
      for (std::size_t k = 0; k < lanes; ++k) deviation[k] += std::fabs(slot(k, r) - average[k]);
    }
    for (std::size_t k = 0; k < lanes; ++k) {
      const double distance = typical[first + k] - average[k];
      out[first + k] =
          (distance != 0.0 && deviation[k] != 0.0) ? distance / (0.015 * (deviation[k] / p)) : 0.0;
    }
  };
  std::size_t i = period - 1;
  for (; i + kLanes <= n; i += kLanes) emit(i, kLanes);
  if (i < n) emit(i, n - i);
}

void adx(std::span<const double> high, std::span<const double> low, std::span<const double> close, std::size_t period,
         std::span<double> adx_out, std::span<double> plus_di, std::span<double> minus_di) {
  const std::size_t n = close.size();
  fill_nan(plus_di, di_lookback(period));
  fill_nan(minus_di, di_lookback(period));
  fill_nan(adx_out, adx_lookback(period));
  if (n <= di_lookback(period)) return;
  const double p = static_cast<double>(period);
  double plus_dm = 0;
  double minus_dm = 0;
  double tr = 0;
  // One bar's directional movement; +DM and -DM are exclusive (TA-Lib's seven cases).
  auto movement = [&](std::size_t i, double& plus, double& minus) {
    const double up = high[i] - high[i - 1];
    const double down = low[i - 1] - low[i];
    plus = 0;
    minus = 0;
    if (down > 0 && up < down) {
      minus = down;
    } else if (up > 0 && up > down) {
      plus = up;
    }
  };
  for (std::size_t i = 1; i < period; ++i) {
    double plus = 0;
    double minus = 0;
    movement(i, plus, minus);
    plus_dm += plus;
    minus_dm += minus;
    tr += true_range(high[i], low[i], close[i - 1]);
  }
  double sum_dx = 0;
  double prev_adx = 0;
  for (std::size_t i = period; i < n; ++i) {
    double plus = 0;
    double minus = 0;
    movement(i, plus, minus);
    minus_dm -= minus_dm / p;
    plus_dm -= plus_dm / p;
    minus_dm += minus;
    plus_dm += plus;
    tr = tr - (tr / p) + true_range(high[i], low[i], close[i - 1]);
    // PLUS_DI/MINUS_DI output 0 on a zero range; ADX then leaves its state unchanged.
    double dx = kNaN;
    if (!is_zero(tr)) {
      const double mdi = 100.0 * (minus_dm / tr);
      const double pdi = 100.0 * (plus_dm / tr);
      plus_di[i] = pdi;
      minus_di[i] = mdi;
      const double total = mdi + pdi;
      if (!is_zero(total)) dx = 100.0 * (std::fabs(mdi - pdi) / total);
    } else {
      plus_di[i] = 0.0;
      minus_di[i] = 0.0;
    }
    if (i < adx_lookback(period)) {
      if (!std::isnan(dx)) sum_dx += dx;
    } else if (i == adx_lookback(period)) {
      if (!std::isnan(dx)) sum_dx += dx;
      prev_adx = sum_dx / p;
      adx_out[i] = prev_adx;
    } else {
      if (!std::isnan(dx)) prev_adx = ((prev_adx * (p - 1)) + dx) / p;
      adx_out[i] = prev_adx;
    }
  }
}

void mfi(std::span<const double> high, std::span<const double> low, std::span<const double> close,
         std::span<const double> volume, std::size_t period, std::span<double> out) {
  const std::size_t n = close.size();
  fill_nan(out, mfi_lookback(period));
  if (n <= period) return;
  auto positive = kernel_scratch(period);
  auto negative = kernel_scratch(period);
  std::size_t slot = 0;
  double pos_sum = 0;
  double neg_sum = 0;
  double prev = (high[0] + low[0] + close[0]) / 3.0;
  auto push = [&](std::size_t i) {
    double typical = (high[i] + low[i] + close[i]) / 3.0;
    const double change = typical - prev;
    prev = typical;
    typical *= volume[i];
    positive[slot] = 0.0;
    negative[slot] = 0.0;
    if (change < 0) {
      negative[slot] = typical;
      neg_sum += typical;
    } else if (change > 0) {
      positive[slot] = typical;
      pos_sum += typical;
    }
  };
  auto value = [&]() {
    const double total = pos_sum + neg_sum;
    return total < 1.0 ? 0.0 : 100.0 * (pos_sum / total);
  };
  for (std::size_t i = 1; i <= period; ++i) {
    push(i);
    slot = (slot + 1) % period;
  }
  out[period] = value();
  for (std::size_t i = period + 1; i < n; ++i) {
    pos_sum -= positive[slot];
    neg_sum -= negative[slot];
    push(i);
    out[i] = value();
    slot = (slot + 1) % period;
  }
}

void obv(std::span<const double> close, std::span<const double> volume, std::span<double> out) {
  const std::size_t n = close.size();
  if (n == 0) return;
  double total = volume[0];
  double prev = close[0];
  for (std::size_t i = 0; i < n; ++i) {
    if (close[i] > prev) {
      total += volume[i];
    } else if (close[i] < prev) {
      total -= volume[i];
    }
    out[i] = total;
    prev = close[i];
  }
}

}  // namespace kestrel::features::ta
