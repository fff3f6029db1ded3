#pragma once
// The 20 indicators bench/pandas_features.py computes, computed by Kestrel's own kernels, so
// `kestrel bench features --set pandas20` and the pandas script time the same work on the same
// rows (bench/features_vs_pandas.sh runs both back to back and prints the ratio).
#include <cstddef>
#include <string>
#include <vector>

#include "store/panel.hpp"

namespace kestrel::app {

// Names in the pandas script's order.
const std::vector<std::string>& pandas_indicator_names();

// Computes every indicator for every ticker (TBB across tickers) on each ticker's complete
// bars; returns the number of values present (finite), which both sides print.
std::size_t compute_pandas_indicators(const store::Panel& panel, std::vector<float>& out);

}  // namespace kestrel::app
