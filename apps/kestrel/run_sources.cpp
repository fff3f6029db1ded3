#include "run_sources.hpp"

#include <fmt/format.h>

#include "cli_support.hpp"

namespace kestrel::app {

RunSources resolve_run_sources(const std::string& config_path, const std::string& db_flag, const std::string& data_flag,
                               std::string_view command) {
  std::optional<backtest::BacktestConfig> config;
  if (!config_path.empty()) config = value_or_fail(backtest::read_backtest_config(config_path));
  RunSources sources;
  if (!db_flag.empty()) {
    sources.journal = db_flag;
  } else if (config && !config->node.journal.empty()) {
    sources.journal = config->node.journal;
  } else if (config && !config->data.db.empty()) {
    sources.journal = config->data.db.string();
  } else {
    throw CommandFailed{fmt::format("{}: say which journal: --db JOURNAL or --config FILE.toml", command)};
  }
  if (!data_flag.empty()) {
    sources.market.emplace();
    sources.market->db = data_flag;
  } else if (config) {
    sources.market = config->data;
  }
  return sources;
}

}  // namespace kestrel::app
