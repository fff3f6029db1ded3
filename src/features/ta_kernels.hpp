#pragma once
// Indicator kernels with TA-Lib's exact definitions (TA-Lib 0.4 C sources as bundled by npm
// `talib` 2.0.5, default settings: no unstable period, default compatibility). Each kernel
// reproduces TA-Lib's arithmetic step by step (same seeds, same running sums, same order of
// operations), so its output matches TA-Lib's to rounding, not just in formula; the fixtures
// in tests/features/fixtures check this to 1e-9 relative.
//
// Conventions shared by every kernel:
// - inputs are spans of equal length n with no missing values (the pipeline cuts a ticker's
//   history into gap-free runs before calling them);
// - outputs are spans of length n, written completely: NaN before the kernel's lookback
//   (TA-Lib's outBegIdx when called on the whole span), values after it.
#include <cstddef>
#include <span>

namespace kestrel::features::ta {

// Index of the first output of each kernel (TA-Lib's lookback with default settings).
constexpr std::size_t sma_lookback(std::size_t period) { return period - 1; }
constexpr std::size_t ema_lookback(std::size_t period) { return period - 1; }
constexpr std::size_t rsi_lookback(std::size_t period) { return period; }
constexpr std::size_t macd_lookback(std::size_t slow, std::size_t signal) { return slow - 1 + signal - 1; }
constexpr std::size_t atr_lookback(std::size_t period) { return period; }
constexpr std::size_t stoch_lookback(std::size_t fast_k, std::size_t slow_k, std::size_t slow_d) {
  return fast_k - 1 + slow_k - 1 + slow_d - 1;
}
constexpr std::size_t di_lookback(std::size_t period) { return period; }
constexpr std::size_t adx_lookback(std::size_t period) { return 2 * period - 1; }
constexpr std::size_t mfi_lookback(std::size_t period) { return period; }

// SMA: running sum over `period` values.
void sma(std::span<const double> in, std::size_t period, std::span<double> out);
// EMA with k = 2/(period+1), seeded by the SMA of the first `period` values.
void ema(std::span<const double> in, std::size_t period, std::span<double> out);
// SMA and EMA for several periods of one series at once (at most kMaxPeriods): the values are
// those of the one-period calls, and running the periods side by side overlaps their chains.
inline constexpr std::size_t kMaxPeriods = 6;
void sma(std::span<const double> in, std::span<const std::size_t> periods, std::span<const std::span<double>> outs);
void ema(std::span<const double> in, std::span<const std::size_t> periods, std::span<const std::span<double>> outs);
// RSI with Wilder smoothing, seeded by the mean gain/loss of the first `period` changes.
void rsi(std::span<const double> in, std::size_t period, std::span<double> out);
// The same for several periods at once (at most kMaxPeriods), as SMA and EMA above.
void rsi(std::span<const double> in, std::span<const std::size_t> periods, std::span<const std::span<double>> outs);
// MACD: both EMAs are seeded at index slow-1 (the fast one with the SMA of its last `fast`
// values there, as TA-Lib aligns them); signal = EMA(signal) of the line; hist = line - signal.
// All three start at macd_lookback.
void macd(std::span<const double> in, std::size_t fast, std::size_t slow, std::size_t signal, std::span<double> line,
          std::span<double> signal_out, std::span<double> hist);
// Bollinger bands around the SMA with the population standard deviation (TA-Lib computes it
// as sqrt(mean(x^2) - sma^2) from running sums).
void bbands(std::span<const double> in, std::size_t period, double deviations, std::span<double> upper,
            std::span<double> middle, std::span<double> lower);
// ATR: Wilder-smoothed true range seeded by the mean of the first `period` true ranges.
void atr(std::span<const double> high, std::span<const double> low, std::span<const double> close, std::size_t period,
         std::span<double> out);
// NATR = ATR / close * 100.
void natr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
          std::size_t period, std::span<double> out);
// The same for several periods at once (at most kMaxPeriods), as SMA and EMA.
void natr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
          std::span<const std::size_t> periods, std::span<const std::span<double>> outs);
// Slow stochastic: fast %K over `fast_k` bars, slow %K = SMA(slow_k) of it, %D = SMA(slow_d) of
// slow %K.
void stoch(std::span<const double> high, std::span<const double> low, std::span<const double> close,
           std::size_t fast_k, std::size_t slow_k, std::size_t slow_d, std::span<double> k, std::span<double> d);
// Williams %R over `period` bars (0 … -100).
void willr(std::span<const double> high, std::span<const double> low, std::span<const double> close,
           std::size_t period, std::span<double> out);
// CCI: (typical price - its SMA) / (0.015 * mean absolute deviation).
void cci(std::span<const double> high, std::span<const double> low, std::span<const double> close, std::size_t period,
         std::span<double> out);
// ADX with +DI and -DI (Wilder smoothing, no rounding). DI start at di_lookback, ADX at
// adx_lookback.
void adx(std::span<const double> high, std::span<const double> low, std::span<const double> close, std::size_t period,
         std::span<double> adx_out, std::span<double> plus_di, std::span<double> minus_di);
// MFI over `period` bars of typical price × volume.
void mfi(std::span<const double> high, std::span<const double> low, std::span<const double> close,
         std::span<const double> volume, std::size_t period, std::span<double> out);
// OBV starting from the first bar's volume.
void obv(std::span<const double> close, std::span<const double> volume, std::span<double> out);

}  // namespace kestrel::features::ta
