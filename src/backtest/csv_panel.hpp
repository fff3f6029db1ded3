#pragma once
// A panel straight from a folder of per-ticker CSV files (no store, no snapshot): what the
// sample configs and the throughput benchmark use. Files are parsed in parallel; reference
// files in the folder (universe.csv, corporate_actions.csv, …) are skipped because adjusted
// prices come from each bar file's adj_close column.
#include <filesystem>

#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::backtest {

core::Result<store::Panel> load_csv_panel(const std::filesystem::path& folder);

}  // namespace kestrel::backtest
