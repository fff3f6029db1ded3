#pragma once
// Reads a folder of per-ticker bar files (any format `kestrel data import` accepts) with its
// universe.csv (sectors) and corporate_actions.csv (splits, dividends) straight into the
// input of store::Panel::build, without a store. For benchmarks and tests on data/sample or
// ../shared/data/us-daily; research runs load the snapshot instead.
#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::features {

// One TickerSeries per bar file, in file-name order; tickers absent from universe.csv get an
// empty sector. Actions come from corporate_actions.csv and from the bar files themselves.
core::Result<std::vector<store::TickerSeries>> read_csv_series(const std::filesystem::path& folder);

}  // namespace kestrel::features
