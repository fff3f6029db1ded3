#pragma once
// Reads a folder of per-ticker bar files (any format `kestrel data import` accepts) with its
// universe.csv (sectors) and corporate_actions.csv (splits, dividends) straight into the
// input of Panel::build, without a store: what the sample configs, the benchmarks and tests
// on data/sample or ../shared/data/us-daily use; research runs load the snapshot instead.
//
// Files are read in parallel. Kestrel-format bar files (date,open,…,volume, the layout of
// data/sample and us-daily) go through a fast parser with the same results as
// read_input_file; any file it does not recognise as clean — another format, quotes, blank
// lines, unsorted dates, an unusual number — is parsed by read_input_file's parser, so
// results and error messages (file:line:column) are those of `kestrel data import`.
#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::store {

// One TickerSeries per bar file, in file-name order; tickers absent from universe.csv get an
// empty sector. Actions come from corporate_actions.csv and from the bar files themselves,
// in ascending date order.
core::Result<std::vector<TickerSeries>> read_csv_folder(const std::filesystem::path& folder);

// Panel::build over read_csv_folder(folder).
core::Result<Panel> load_csv_panel(const std::filesystem::path& folder);

}  // namespace kestrel::store
