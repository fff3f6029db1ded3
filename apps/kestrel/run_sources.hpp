#pragma once
// Where a command that looks at a trading run (serve, report) finds it: the journal is --db,
// else node.journal of --config, else the config's data.db; the market data is --data (a
// store), else the config's data, else none.
#include <optional>
#include <string>
#include <string_view>

#include "backtest/config.hpp"

namespace kestrel::app {

struct RunSources {
  std::string journal;
  std::optional<backtest::DataConfig> market;
};

// Throws CommandFailed (naming `command`) when neither --db nor --config says where the journal is.
RunSources resolve_run_sources(const std::string& config_path, const std::string& db_flag, const std::string& data_flag,
                               std::string_view command);

}  // namespace kestrel::app
