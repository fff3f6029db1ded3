#pragma once
// Small inputs shared by the dataset tests: hand-made panels and feature matrices, and the
// repository's sample data as a Panel.
#include <cstddef>
#include <vector>

#include "features/feature_matrix.hpp"
#include "store/panel.hpp"

namespace kestrel::dataset::testing {

// Tickers with the given adjusted closes on consecutive weekdays from 2024-01-01 (Monday);
// NaN closes become missing bars.
store::Panel panel_from_closes(const std::vector<std::vector<double>>& closes);

// A matrix over `panel`'s axes with `num_features` features named f0, f1, ...; value =
// 1000 * f + 10 * ticker + t, so every cell is recognisable.
features::FeatureMatrix indexed_matrix(const store::Panel& panel, std::size_t num_features);

// data/sample loaded into an in-memory panel (25 tickers).
store::Panel sample_panel();

}  // namespace kestrel::dataset::testing
