#include "pandas_indicator_set.hpp"

#include <atomic>
#include <cmath>
#include <limits>

#include <tbb/parallel_for.h>

#include "features/rolling_stats.hpp"
#include "features/ta_kernels.hpp"
#include "features/ticker_features.hpp"

namespace kestrel::app {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

const std::vector<std::string>& pandas_indicator_names() {
  static const std::vector<std::string> names = {
      "ret_1d",      "ret_20d",         "sma_ratio_20", "sma_ratio_200", "ema_ratio_20", "ema_ratio_50", "rsi_14",
      "macd_line",   "macd_signal",     "macd_hist",    "bb_pct_b_20",   "bb_bandwidth_20", "natr_14", "stoch_k_14",
      "stoch_d_14",  "willr_14",        "cci_20",       "obv_slope_20",  "mfi_14",       "rv_20"};
  return names;
}

std::size_t compute_pandas_indicators(const store::Panel& panel, std::vector<float>& out) {
  namespace ta = features::ta;
  const std::size_t num_dates = panel.num_dates();
  const std::size_t k = pandas_indicator_names().size();
  out.assign(k * panel.num_tickers() * num_dates, std::numeric_limits<float>::quiet_NaN());
  std::atomic<std::size_t> present{0};
  const features::BenchmarkSeries no_benchmark(panel, std::nullopt);
  tbb::parallel_for(std::size_t{0}, panel.num_tickers(), [&](std::size_t ticker) {
    const features::TickerBars bars = features::extract_bars(panel, ticker, no_benchmark);
    const std::size_t n = bars.size();
    if (n == 0) return;
    const auto& c = bars.close;
    std::vector<std::vector<double>> v(k, std::vector<double>(n, kNaN));
    std::vector<double> a(n), b(n), d(n);
    for (std::size_t i = 1; i < n; ++i) v[0][i] = c[i] / c[i - 1] - 1;
    for (std::size_t i = 20; i < n; ++i) v[1][i] = c[i] / c[i - 20] - 1;
    ta::sma(c, 20, a);
    for (std::size_t i = 0; i < n; ++i) v[2][i] = c[i] / a[i] - 1;
    ta::sma(c, 200, a);
    for (std::size_t i = 0; i < n; ++i) v[3][i] = c[i] / a[i] - 1;
    ta::ema(c, 20, a);
    for (std::size_t i = 0; i < n; ++i) v[4][i] = c[i] / a[i] - 1;
    ta::ema(c, 50, a);
    for (std::size_t i = 0; i < n; ++i) v[5][i] = c[i] / a[i] - 1;
    ta::rsi(c, 14, v[6]);
    ta::macd(c, 12, 26, 9, v[7], v[8], v[9]);
    for (std::size_t m = 7; m <= 9; ++m) {
      for (std::size_t i = 0; i < n; ++i) v[m][i] /= c[i];
    }
    ta::bbands(c, 20, 2.0, a, b, d);
    for (std::size_t i = 0; i < n; ++i) {
      v[10][i] = (c[i] - d[i]) / (a[i] - d[i]);
      v[11][i] = (a[i] - d[i]) / b[i];
    }
    ta::natr(bars.high, bars.low, c, 14, v[12]);
    ta::stoch(bars.high, bars.low, c, 14, 3, 3, v[13], v[14]);
    ta::willr(bars.high, bars.low, c, 14, v[15]);
    ta::cci(bars.high, bars.low, c, 20, v[16]);
    ta::obv(c, bars.volume, a);
    features::rolling_mean(bars.volume, 20, b);
    for (std::size_t i = 20; i < n; ++i) v[17][i] = (a[i] - a[i - 20]) / (20 * b[i]);
    ta::mfi(bars.high, bars.low, c, bars.volume, 14, v[18]);
    a[0] = kNaN;
    for (std::size_t i = 1; i < n; ++i) a[i] = std::log(c[i] / c[i - 1]);
    features::rolling_std(a, 20, b);
    for (std::size_t i = 0; i < n; ++i) v[19][i] = b[i] * std::sqrt(252.0);

    std::size_t finite = 0;
    for (std::size_t m = 0; m < k; ++m) {
      float* row = out.data() + (m * panel.num_tickers() + ticker) * num_dates;
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(v[m][i])) continue;
        row[bars.date_index[i]] = static_cast<float>(v[m][i]);
        ++finite;
      }
    }
    present += finite;
  });
  return present.load();
}

}  // namespace kestrel::app
