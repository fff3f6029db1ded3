#pragma once
// Panel -> FeatureMatrix: every feature of the registry (feature_registry.hpp) for every
// ticker and date. Time-series features run in parallel across tickers (TBB); market-regime
// and cross-sectional features follow, per date.
//
// Missing values: a ticker's dates without a complete bar (before listing, after delisting,
// gaps) are NaN in every feature. A gap of up to `max_gap` consecutive panel dates inside a
// ticker's history is bridged: its windows count the ticker's own bars and span the gap
// (nothing is filled in; returns across it cover the days in between). A longer gap restarts
// every feature's warm-up. Nothing is ever forward-filled.
#include <cstddef>
#include <string>

#include "features/feature_matrix.hpp"
#include "store/panel.hpp"

namespace kestrel::features {

struct FeatureOptions {
  // The ticker beta, correlation, residual return and the market-regime features refer to;
  // when it is not in the panel those features are NaN.
  std::string benchmark = "SPY";
  // Tickers of this sector are inputs only: not ranked, not counted in breadth.
  std::string benchmark_sector = "Benchmark";
  std::size_t max_gap = 5;
  bool show_progress = false;
};

FeatureMatrix compute_features(const store::Panel& panel, const FeatureOptions& options);

}  // namespace kestrel::features
