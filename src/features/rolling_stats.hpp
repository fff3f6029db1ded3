#pragma once
// Rolling statistics over fixed windows of bars, O(n) except where noted. Unlike the TA-Lib
// kernels these accept missing values: a window that contains a NaN gives NaN, and the
// statistic resumes once the NaN has left the window. Outputs are spans of the input's length,
// written completely (NaN while fewer than `window` values are available).
#include <cstddef>
#include <span>

namespace kestrel::features {

// Mean of the last `window` values.
void rolling_mean(std::span<const double> x, std::size_t window, std::span<double> out);
// Sample standard deviation (n - 1 in the denominator).
void rolling_std(std::span<const double> x, std::size_t window, std::span<double> out);
// Mean and standard deviation for several windows over one series at once (at most
// kMaxWindows): each window's values are those of the one-window call, and the windows'
// addition chains overlap.
inline constexpr std::size_t kMaxWindows = 6;
void rolling_mean(std::span<const double> x, std::span<const std::size_t> windows,
                  std::span<const std::span<double>> outs);
void rolling_std(std::span<const double> x, std::span<const std::size_t> windows,
                 std::span<const std::span<double>> outs);
// Skewness m3 / m2^1.5 and excess kurtosis m4 / m2^2 - 3 from the window's central moments
// (population moments, no small-sample correction); NaN when the window has no variance.
void rolling_skew_kurt(std::span<const double> x, std::size_t window, std::span<double> skew,
                       std::span<double> kurt);
// Extremes of the last `window` values (van Herk / Gil-Werman blocks).
void rolling_max(std::span<const double> x, std::size_t window, std::span<double> out);
void rolling_min(std::span<const double> x, std::size_t window, std::span<double> out);
// Largest peak-to-trough fall inside the last `window` values of a log price, as a fraction
// of the peak (0 … 1). O(n).
void rolling_max_drawdown(std::span<const double> log_price, std::size_t window, std::span<double> out);
// Regression of y on x over the window: beta = cov(x, y) / var(x), correlation, and the
// window's residual standard deviation (of y - beta x - alpha, population).
void rolling_regression(std::span<const double> x, std::span<const double> y, std::size_t window,
                        std::span<double> beta, std::span<double> corr, std::span<double> residual_std);

}  // namespace kestrel::features
