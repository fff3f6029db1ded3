#include "features/ticker_features.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "features/avx2_clones.hpp"
#include "features/feature_registry.hpp"
#include "features/kernel_scratch.hpp"
#include "features/rolling_stats.hpp"
#include "features/ta_kernels.hpp"
#include "features/vector_math.hpp"

namespace kestrel::features {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kAnnualise = std::sqrt(252.0);

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

// a / b - 1, NaN unless both are positive. The quotient is computed either way and the test
// uses & rather than &&, so the loops that call this have no branch and vectorise.
double ratio_minus_one(double a, double b) {
  const double ratio = a / b - 1;
  return ((a > 0) & (b > 0)) ? ratio : kNaN;
}

// The two helpers below vectorise because their arrays are restrict-qualified parameters (the
// compiler would otherwise need more run-time overlap checks than it makes) and because they
// have no branch: each quotient is computed for every bar and the test only picks the value.

// out[i] = num[i] / den[i] where den[i] > 0, NaN elsewhere.
void ratio_where_positive(std::size_t n, const double* __restrict num, const double* __restrict den,
                          double* __restrict out) {
  for (std::size_t i = 0; i < n; ++i) {
    const double quotient = num[i] / den[i];
    out[i] = den[i] > 0 ? quotient : kNaN;
  }
}

// The candle's body and shadows as fractions of its range (0 for a bar without range), and the
// range as a fraction of the close.
void candle_shapes(std::size_t n, const double* __restrict o, const double* __restrict h,
                   const double* __restrict l, const double* __restrict c, double* __restrict body,
                   double* __restrict upper, double* __restrict lower, double* __restrict range) {
  for (std::size_t i = 0; i < n; ++i) {
    const double width = h[i] - l[i];
    const bool ranged = width > 0;
    const double b = (c[i] - o[i]) / width;
    const double u = (h[i] - std::max(o[i], c[i])) / width;
    const double d = (std::min(o[i], c[i]) - l[i]) / width;
    body[i] = ranged ? b : 0.0;
    upper[i] = ranged ? u : 0.0;
    lower[i] = ranged ? d : 0.0;
    range[i] = width / c[i];
  }
}

// Computes one gap-free run. Inputs are the run's slices; `col(f)` is the run's slice of
// feature f's output row.
class RunComputer {
 public:
  RunComputer(std::span<const double> o, std::span<const double> h, std::span<const double> l,
              std::span<const double> c, std::span<const double> v, std::span<const double> bc,
              std::span<const double> b_log_return)
      : o_(o), h_(h), l_(l), c_(c), v_(v), bc_(bc), b_log_return_(b_log_return), n_(c.size()) {}

  template <class Col>
  void run(Col col) {
    returns(col);
    trend(col);
    oscillators(col);
    volume(col);
    volatility(col);
    range_and_drawdown(col);
    benchmark(col);
    candles(col);
  }

 private:
  KernelScratch buffer() const { return kernel_scratch(n_); }
  template <std::size_t N>
  std::array<KernelScratch, N> buffers() const {
    std::array<KernelScratch, N> out;
    for (auto& b : out) b = buffer();
    return out;
  }
  // Spans over buffers, for the kernels that fill several at once.
  template <std::size_t N>
  static std::array<std::span<double>, N> spans_of(std::array<KernelScratch, N>& buffers) {
    std::array<std::span<double>, N> spans;
    for (std::size_t k = 0; k < N; ++k) spans[k] = buffers[k];
    return spans;
  }

  template <class Col>
  void returns(Col col) {
    constexpr std::array<std::pair<FeatureId, std::size_t>, 8> horizons{
        {{kRet1d, 1}, {kRet2d, 2}, {kRet5d, 5}, {kRet10d, 10}, {kRet20d, 20}, {kRet60d, 60}, {kRet120d, 120},
         {kRet252d, 252}}};
    for (auto [id, k] : horizons) {
      auto out = col(id);
      for (std::size_t i = 0; i < n_; ++i) out[i] = i >= k ? c_[i] / c_[i - k] - 1 : kNaN;
    }
    log_return_ = buffer();
    log_return_[0] = kNaN;
    for (std::size_t i = 1; i < n_; ++i) log_return_[i] = c_[i] / c_[i - 1];
    const auto ratios = std::span(log_return_).subspan(1);
    log_of(ratios, ratios);
  }

  template <class Col>
  void trend(Col col) {
    constexpr std::array<std::size_t, 6> periods{5, 10, 20, 50, 100, 200};
    constexpr std::array<FeatureId, 6> sma_ids{kSmaRatio5, kSmaRatio10, kSmaRatio20, kSmaRatio50, kSmaRatio100,
                                               kSmaRatio200};
    constexpr std::array<FeatureId, 6> ema_ids{kEmaRatio5, kEmaRatio10, kEmaRatio20, kEmaRatio50, kEmaRatio100,
                                               kEmaRatio200};
    auto smas = buffers<6>();
    auto emas = buffers<6>();
    ta::sma(c_, periods, spans_of(smas));
    ta::ema(c_, periods, spans_of(emas));
    for (std::size_t p = 0; p < periods.size(); ++p) {
      auto sma_out = col(sma_ids[p]);
      auto ema_out = col(ema_ids[p]);
      for (std::size_t i = 0; i < n_; ++i) {
        sma_out[i] = ratio_minus_one(c_[i], smas[p][i]);
        ema_out[i] = ratio_minus_one(c_[i], emas[p][i]);
      }
    }
    auto cross = [&](FeatureId id, std::size_t fast, std::size_t slow) {
      auto out = col(id);
      for (std::size_t i = 0; i < n_; ++i) out[i] = ratio_minus_one(smas[fast][i], smas[slow][i]);
    };
    cross(kSmaCross5_20, 0, 2);
    cross(kSmaCross20_50, 2, 3);
    cross(kSmaCross50_200, 3, 5);
  }

  template <class Col>
  void oscillators(Col col) {
    constexpr std::array<std::size_t, 3> rsi_periods{7, 14, 28};
    const std::array<std::span<double>, 3> rsi_outs{col(kRsi7), col(kRsi14), col(kRsi28)};
    ta::rsi(c_, rsi_periods, rsi_outs);

    auto line = col(kMacdLine);
    auto signal = col(kMacdSignal);
    auto hist = col(kMacdHist);
    ta::macd(c_, 12, 26, 9, line, signal, hist);
    for (std::size_t i = 0; i < n_; ++i) {
      line[i] /= c_[i];
      signal[i] /= c_[i];
      hist[i] /= c_[i];
    }

    auto upper = buffer();
    auto middle = buffer();
    auto lower = buffer();
    ta::bbands(c_, 20, 2.0, upper, middle, lower);
    auto pct_b = col(kBbPctB20);
    auto bandwidth = col(kBbBandwidth20);
    for (std::size_t i = 0; i < n_; ++i) {
      const double width = upper[i] - lower[i];
      pct_b[i] = width > 0 ? (c_[i] - lower[i]) / width : kNaN;
      bandwidth[i] = middle[i] > 0 ? width / middle[i] : kNaN;
    }

    constexpr std::array<std::size_t, 2> natr_periods{14, 28};
    const std::array<std::span<double>, 2> natr_outs{col(kNatr14), col(kNatr28)};
    ta::natr(h_, l_, c_, natr_periods, natr_outs);
    ta::stoch(h_, l_, c_, 14, 3, 3, col(kStochK14), col(kStochD14));
    ta::willr(h_, l_, c_, 14, col(kWillr14));
    ta::cci(h_, l_, c_, 20, col(kCci20));
    ta::adx(h_, l_, c_, 14, col(kAdx14), col(kPlusDi14), col(kMinusDi14));
    ta::mfi(h_, l_, c_, v_, 14, col(kMfi14));
  }

  template <class Col>
  void volume(Col col) {
    auto obv = buffer();
    ta::obv(c_, v_, obv);
    constexpr std::array<std::size_t, 2> slope_windows{20, 60};
    constexpr std::array<FeatureId, 2> slope_ids{kObvSlope20, kObvSlope60};
    auto mean_volume = buffers<2>();
    rolling_mean(v_, slope_windows, spans_of(mean_volume));
    for (std::size_t k = 0; k < slope_windows.size(); ++k) {
      const std::size_t n = slope_windows[k];
      auto out = col(slope_ids[k]);
      const double w = static_cast<double>(n);
      std::fill_n(out.begin(), std::min(n, n_), kNaN);
      for (std::size_t i = n; i < n_; ++i) {
        const double total = mean_volume[k][i] * w;
        const double slope = (obv[i] - obv[i - n]) / total;
        out[i] = total > 0 ? slope : kNaN;
      }
    }

    constexpr std::array<std::size_t, 3> sma_periods{5, 20, 60};
    auto smas = buffers<3>();
    ta::sma(v_, sma_periods, spans_of(smas));
    const auto& [sma5, sma20, sma60] = smas;
    ratio_where_positive(n_, v_.data(), sma20.data(), col(kVolumeRatio1_20).data());
    ratio_where_positive(n_, sma5.data(), sma20.data(), col(kVolumeRatio5_20).data());
    ratio_where_positive(n_, sma20.data(), sma60.data(), col(kVolumeRatio20_60).data());

    auto log_volume = buffer();
    log1p_of(v_, log_volume);
    constexpr std::array<std::size_t, 2> z_windows{20, 60};
    constexpr std::array<FeatureId, 2> z_ids{kVolumeZ20, kVolumeZ60};
    auto means = buffers<2>();
    auto stdevs = buffers<2>();
    rolling_mean(log_volume, z_windows, spans_of(means));
    rolling_std(log_volume, z_windows, spans_of(stdevs));
    for (std::size_t k = 0; k < z_windows.size(); ++k) {
      auto out = col(z_ids[k]);
      const auto& mean = means[k];
      const auto& stdev = stdevs[k];
      for (std::size_t i = 0; i < n_; ++i) {
        const double quotient = (log_volume[i] - mean[i]) / stdev[i];
        const double z = stdev[i] > 0 ? quotient : 0.0;
        out[i] = std::isnan(mean[i]) ? kNaN : z;
      }
    }

    auto mean = buffer();
    auto dollar = buffer();
    for (std::size_t i = 0; i < n_; ++i) dollar[i] = c_[i] * v_[i];
    ta::sma(dollar, 20, mean);
    auto out = col(kLogDollarVolume20);
    log_of(mean, out);  // a mean of 0 (no trading for 20 bars) gives -inf, replaced by NaN below
    for (std::size_t i = 0; i < n_; ++i) out[i] = mean[i] > 0 ? out[i] : kNaN;
  }

  template <class Col>
  void volatility(Col col) {
    constexpr std::array<std::pair<FeatureId, std::size_t>, 6> windows{
        {{kRv5, 5}, {kRv10, 10}, {kRv20, 20}, {kRv60, 60}, {kRv120, 120}, {kRv252, 252}}};
    std::array<std::size_t, windows.size()> lengths{};
    std::array<std::span<double>, windows.size()> outs;
    for (std::size_t k = 0; k < windows.size(); ++k) {
      lengths[k] = windows[k].second;
      outs[k] = col(windows[k].first);
    }
    rolling_std(log_return_, lengths, outs);
    for (auto out : outs) {
      for (double& x : out) x *= kAnnualise;
    }
    ratio_where_positive(n_, col(kRv20).data(), col(kRv120).data(), col(kRvRatio20_120).data());

    auto parkinson = buffer();
    auto garman_klass = buffer();
    const double two_ln2_minus_1 = 2 * std::numbers::ln2 - 1;
    // The two buffers hold ln(h / l) and ln(c / o) first, then the per-bar estimates.
    for (std::size_t i = 0; i < n_; ++i) {
      parkinson[i] = h_[i] / l_[i];
      garman_klass[i] = c_[i] / o_[i];
    }
    log_of(parkinson, parkinson);
    log_of(garman_klass, garman_klass);
    for (std::size_t i = 0; i < n_; ++i) {
      const double hl = parkinson[i];
      const double co = garman_klass[i];
      parkinson[i] = hl * hl;
      garman_klass[i] = 0.5 * hl * hl - two_ln2_minus_1 * co * co;
    }
    constexpr std::array<std::size_t, 2> range_windows{20, 60};
    auto means = buffers<2>();
    rolling_mean(parkinson, range_windows, spans_of(means));
    for (auto [k, id] : {std::pair{std::size_t{0}, kParkinson20}, std::pair{std::size_t{1}, kParkinson60}}) {
      auto out = col(id);
      for (std::size_t i = 0; i < n_; ++i) out[i] = std::sqrt(252.0 * means[k][i] / (4 * std::numbers::ln2));
    }
    rolling_mean(garman_klass, range_windows, spans_of(means));
    for (auto [k, id] : {std::pair{std::size_t{0}, kGarmanKlass20}, std::pair{std::size_t{1}, kGarmanKlass60}}) {
      auto out = col(id);
      for (std::size_t i = 0; i < n_; ++i) {
        out[i] = std::isnan(means[k][i]) ? kNaN : std::sqrt(252.0 * std::max(means[k][i], 0.0));
      }
    }

    for (auto [skew, kurt, n] : {std::tuple{kSkew20, kKurt20, std::size_t{20}},
                                 std::tuple{kSkew60, kKurt60, std::size_t{60}},
                                 std::tuple{kSkew120, kKurt120, std::size_t{120}}}) {
      rolling_skew_kurt(log_return_, n, col(skew), col(kurt));
    }
  }

  template <class Col>
  void range_and_drawdown(Col col) {
    auto extreme = buffer();
    rolling_max(h_, 252, extreme);
    auto high = col(kDist52wHigh);
    for (std::size_t i = 0; i < n_; ++i) high[i] = ratio_minus_one(c_[i], extreme[i]);
    rolling_min(l_, 252, extreme);
    auto low = col(kDist52wLow);
    for (std::size_t i = 0; i < n_; ++i) low[i] = ratio_minus_one(c_[i], extreme[i]);

    auto log_close = buffer();
    log_of(c_, log_close);
    rolling_max_drawdown(log_close, 20, col(kMaxDrawdown20));
    rolling_max_drawdown(log_close, 60, col(kMaxDrawdown60));
    rolling_max_drawdown(log_close, 120, col(kMaxDrawdown120));
  }

  template <class Col>
  void benchmark(Col col) {
    auto bench_return = buffer();
    bench_return[0] = kNaN;  // the run's first bar: its return from the bar before is not used
    std::copy(b_log_return_.begin() + 1, b_log_return_.end(), bench_return.begin() + 1);
    auto residual = buffer();
    rolling_regression(bench_return, log_return_, 252, col(kBeta252), col(kCorr252), residual);
    rolling_regression(bench_return, log_return_, 60, col(kBeta60), col(kCorr60), residual);
    auto resid_vol = col(kResidVol60);
    for (std::size_t i = 0; i < n_; ++i) resid_vol[i] = residual[i] * kAnnualise;
    auto beta = col(kBeta60);
    auto ret20 = col(kRet20d);
    auto out = col(kResidRet20);
    for (std::size_t i = 0; i < n_; ++i) {
      out[i] = i >= 20 ? ret20[i] - beta[i] * (bc_[i] / bc_[i - 20] - 1) : kNaN;
    }
  }

  template <class Col>
  void candles(Col col) {
    candle_shapes(n_, o_.data(), h_.data(), l_.data(), c_.data(), col(kCandleBody).data(),
                  col(kCandleUpperShadow).data(), col(kCandleLowerShadow).data(), col(kRangePct).data());
    auto gap = col(kGap);
    if (n_ > 0) gap[0] = kNaN;
    for (std::size_t i = 1; i < n_; ++i) gap[i] = o_[i] / c_[i - 1] - 1;
  }

  std::span<const double> o_, h_, l_, c_, v_, bc_, b_log_return_;
  std::size_t n_;
  KernelScratch log_return_;
};

}  // namespace

BenchmarkSeries::BenchmarkSeries(const store::Panel& panel, std::optional<std::size_t> benchmark)
    : close(panel.num_dates(), kNaN), log_return(panel.num_dates(), kNaN) {
  if (!benchmark) return;
  for (std::size_t t = 0; t < close.size(); ++t) {
    const double b = panel.adjusted(store::Field::Close, *benchmark, t);
    if (positive_finite(b)) close[t] = b;
  }
  for (std::size_t t = 1; t < close.size(); ++t) log_return[t] = close[t] / close[t - 1];
  const auto ratios = std::span(log_return).subspan(1);
  log_of(ratios, ratios);
}

TickerBars extract_bars(const store::Panel& panel, std::size_t ticker, const BenchmarkSeries& benchmark) {
  using store::Field;
  const std::size_t n = panel.num_dates();
  // Panel::adjusted, with the price factor adj_close / close computed once per bar.
  const auto open = panel.series(Field::Open, ticker);
  const auto high = panel.series(Field::High, ticker);
  const auto low = panel.series(Field::Low, ticker);
  const auto close = panel.series(Field::Close, ticker);
  const auto adj_close = panel.series(Field::AdjClose, ticker);
  const auto volume = panel.series(Field::Volume, ticker);
  const auto split = panel.series(Field::SplitFactor, ticker);
  TickerBars bars;
  for (auto* v : {&bars.open, &bars.high, &bars.low, &bars.close, &bars.volume, &bars.benchmark_close,
                  &bars.benchmark_log_return}) {
    v->reserve(n);
  }
  bars.date_index.reserve(n);
  for (std::size_t t = 0; t < n; ++t) {
    if (std::isnan(close[t]) || close[t] == 0) continue;
    const double factor = adj_close[t] / close[t];
    const double o = open[t] * factor;
    const double h = high[t] * factor;
    const double l = low[t] * factor;
    const double c = close[t] * factor;
    const double v = volume[t] * split[t];
    if (!positive_finite(o) || !positive_finite(h) || !positive_finite(l) || !positive_finite(c) ||
        !std::isfinite(v) || v < 0) {
      continue;
    }
    // The benchmark's return since this ticker's previous bar: the day's, unless bars are missing
    // in between.
    double since_previous = kNaN;
    if (!bars.date_index.empty()) {
      since_previous = bars.date_index.back() + 1 == t ? benchmark.log_return[t]
                                                        : vector_log(benchmark.close[t] / bars.benchmark_close.back());
    }
    bars.date_index.push_back(t);
    bars.open.push_back(o);
    bars.high.push_back(h);
    bars.low.push_back(l);
    bars.close.push_back(c);
    bars.volume.push_back(v);
    bars.benchmark_close.push_back(benchmark.close[t]);
    bars.benchmark_log_return.push_back(since_previous);
  }
  return bars;
}

PanelCalendar::PanelCalendar(std::span<const core::Date> dates) : weekday(dates.size()), month(dates.size()) {
  for (std::size_t t = 0; t < dates.size(); ++t) {
    weekday[t] = dates[t].weekday();
    month[t] = dates[t].month();
  }
}

KESTREL_AVX2_CLONES
void compute_time_series(const TickerBars& bars, const PanelCalendar& calendar, std::size_t max_gap,
                         std::span<double> out) {
  const std::size_t m = bars.size();
  std::size_t begin = 0;
  while (begin < m) {
    std::size_t end = begin + 1;
    while (end < m && bars.date_index[end] - bars.date_index[end - 1] <= max_gap + 1) ++end;
    const std::size_t len = end - begin;
    auto slice = [&](const std::vector<double>& x) { return std::span<const double>(x).subspan(begin, len); };
    RunComputer run(slice(bars.open), slice(bars.high), slice(bars.low), slice(bars.close), slice(bars.volume),
                    slice(bars.benchmark_close), slice(bars.benchmark_log_return));
    run.run([&](FeatureId f) { return out.subspan(f * m + begin, len); });
    begin = end;
  }
  for (std::size_t k = 0; k < m; ++k) {
    out[kDayOfWeek * m + k] = calendar.weekday[bars.date_index[k]];
    out[kMonth * m + k] = calendar.month[bars.date_index[k]];
  }
}

}  // namespace kestrel::features
