#pragma once
// The catalogue of features the pipeline computes: one id, name and description each, in
// the order of FeatureMatrix::names. docs/features.md documents every entry (a test checks
// that each name appears there).
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace kestrel::features {

enum FeatureId : std::size_t {
  // Returns of the adjusted close over k bars.
  kRet1d, kRet2d, kRet5d, kRet10d, kRet20d, kRet60d, kRet120d, kRet252d,
  // Trend: close relative to moving averages, and moving-average crosses.
  kSmaRatio5, kSmaRatio10, kSmaRatio20, kSmaRatio50, kSmaRatio100, kSmaRatio200,
  kEmaRatio5, kEmaRatio10, kEmaRatio20, kEmaRatio50, kEmaRatio100, kEmaRatio200,
  kSmaCross5_20, kSmaCross20_50, kSmaCross50_200,
  // Oscillators (TA-Lib definitions).
  kRsi7, kRsi14, kRsi28,
  kMacdLine, kMacdSignal, kMacdHist,
  kBbPctB20, kBbBandwidth20,
  kNatr14, kNatr28,
  kStochK14, kStochD14,
  kWillr14, kCci20,
  kAdx14, kPlusDi14, kMinusDi14,
  kMfi14,
  // Volume.
  kObvSlope20, kObvSlope60,
  kVolumeRatio1_20, kVolumeRatio5_20, kVolumeRatio20_60, kVolumeZ20, kVolumeZ60, kLogDollarVolume20,
  // Volatility and distribution of returns.
  kRv5, kRv10, kRv20, kRv60, kRv120, kRv252,
  kParkinson20, kParkinson60, kGarmanKlass20, kGarmanKlass60,
  kRvRatio20_120,
  kSkew20, kSkew60, kSkew120, kKurt20, kKurt60, kKurt120,
  // Position in the range, drawdowns.
  kDist52wHigh, kDist52wLow,
  kMaxDrawdown20, kMaxDrawdown60, kMaxDrawdown120,
  // Against the benchmark.
  kBeta60, kBeta252, kCorr60, kCorr252, kResidVol60, kResidRet20,
  // Candlestick shape.
  kCandleBody, kCandleUpperShadow, kCandleLowerShadow, kRangePct, kGap,
  // Market regime (same value for every ticker on a date).
  kMktRv20, kMktRv60, kMktRet20, kBreadth50, kBreadth200,
  // Calendar.
  kDayOfWeek, kMonth,
  // Cross-sectional, per date over the universe (benchmarks excluded).
  kCsRankRet5d, kCsRankRet20d, kCsRankRet60d, kCsRankRet252d, kCsRankRsi14, kCsRankRv20,
  kCsRankVolumeRatio1_20, kCsRankDist52wHigh,
  kCsZRet5d, kCsZRet20d, kCsZRet60d, kCsZRet252d, kCsZRsi14, kCsZRv20, kCsZVolumeRatio1_20,
  kCsZSmaRatio50,
  kFeatureCount
};

enum class FeatureKind {
  TimeSeries,      // from the ticker's own bars (and the benchmark's)
  Market,          // from the benchmark or the whole universe, the same for every ticker
  CrossSectional,  // rank or z-score of a time-series feature among the universe that day
};

struct FeatureSpec {
  FeatureId id;
  std::string_view name;
  FeatureKind kind;
  std::size_t lookback;  // bars of history before the first value (after a restart)
  bool unit_free;        // false: depends on the price or volume scale
  std::string_view formula;
  // For cross-sectional features: the time-series feature ranked or z-scored.
  std::optional<FeatureId> source = std::nullopt;
};

// Every feature, indexed by FeatureId.
std::span<const FeatureSpec, kFeatureCount> feature_specs();

}  // namespace kestrel::features
