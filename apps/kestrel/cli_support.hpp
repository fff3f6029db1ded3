#pragma once
// What every subcommand shares: the global options, how the store path is resolved, and how
// a failure becomes a one-line cause and a non-zero exit.
#include <chrono>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "core/error.hpp"

namespace kestrel::app {

struct GlobalOptions {
  std::string config_path;  // --config FILE.toml
  bool quiet = false;       // --quiet: no progress bars
};

// Thrown from a command callback to end the process with a message and exit code 1.
struct CommandFailed {
  std::string message;
};

// Unwraps a Result or throws CommandFailed with its message.
template <class T>
T value_or_fail(core::Result<T> result) {
  if (!result) throw CommandFailed{result.error().message};
  return std::move(*result);
}
inline void check(core::Status status) {
  if (!status) throw CommandFailed{status.error().message};
}

// The backtest report draws its charts with script: Chromium gets this long to finish them
// before printing (`--pdf` of backtest and pipeline).
inline constexpr std::chrono::milliseconds kReportScriptBudget{5000};

// --db FILE: the flag, else data.db from --config, else core::default_db_path().
void add_db_option(CLI::App& command, std::string& db);
std::filesystem::path resolve_db(const GlobalOptions& global, const std::string& db_flag);

// Command groups, one per *_commands.cpp file. `data` subcommands that live in their own
// files attach to the group returned by add_data_commands.
CLI::App& add_data_commands(CLI::App& app, const GlobalOptions& global);
void add_validate_command(CLI::App& data, const GlobalOptions& global);
void add_snapshot_command(CLI::App& data, const GlobalOptions& global);
void add_collect_command(CLI::App& data, const GlobalOptions& global);
// `bench` group; other benchmark files add their subcommands to the group it returns.
CLI::App& add_bench_commands(CLI::App& app, const GlobalOptions& global);
void add_features_bench(CLI::App& bench, const GlobalOptions& global);
void add_rl_bench(CLI::App& bench, const GlobalOptions& global);
void add_rl_commands(CLI::App& app, const GlobalOptions& global);
void add_features_commands(CLI::App& app, const GlobalOptions& global);
void add_dataset_bench(CLI::App& bench, const GlobalOptions& global);
void add_backtest_bench(CLI::App& bench, const GlobalOptions& global);
void add_backtest_commands(CLI::App& app, const GlobalOptions& global);
void add_pipeline_commands(CLI::App& app, const GlobalOptions& global);
void add_risk_benches(CLI::App& bench, const GlobalOptions& global);
void add_models_bench(CLI::App& bench, const GlobalOptions& global);
// `trade` group; `trade ab` and `trade compare` (trade_ab_commands.cpp) attach to it.
CLI::App& add_trade_commands(CLI::App& app, const GlobalOptions& global);
void add_trade_ab_commands(CLI::App& trade, const GlobalOptions& global);
void add_db_commands(CLI::App& app, const GlobalOptions& global);
void add_serve_command(CLI::App& app, const GlobalOptions& global);
void add_report_commands(CLI::App& app, const GlobalOptions& global);
void add_models_commands(CLI::App& app, const GlobalOptions& global);
void add_retrain_command(CLI::App& app, const GlobalOptions& global);
void add_tune_command(CLI::App& app, const GlobalOptions& global);
void add_news_commands(CLI::App& app, const GlobalOptions& global);
void add_news_collect_command(CLI::App& news, const GlobalOptions& global);
void add_sentiment_bench(CLI::App& bench, const GlobalOptions& global);

}  // namespace kestrel::app
