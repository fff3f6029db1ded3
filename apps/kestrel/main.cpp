// kestrel: one executable, one subcommand per stage of the pipeline.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli_support.hpp"

int main(int argc, char** argv) {
  using namespace kestrel::app;
  CLI::App app{"Kestrel: machine-learning trading research and execution for US stocks"};
  app.require_subcommand(1);
  // The global options (--config, --quiet) may also follow a subcommand, as the help shows.
  app.fallthrough();
  app.set_version_flag("--version", "kestrel 0.1.0");
  GlobalOptions global;
  app.add_option("--config", global.config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);
  app.add_flag("--quiet,-q", global.quiet, "No progress bars");

  CLI::App& data = add_data_commands(app, global);
  add_validate_command(data, global);
  add_snapshot_command(data, global);
  add_collect_command(data, global);
  CLI::App& bench = add_bench_commands(app, global);
  add_features_bench(bench, global);
  add_features_commands(app, global);
  add_rl_commands(app, global);
  add_dataset_bench(bench, global);
  add_backtest_bench(bench, global);
  add_rl_bench(bench, global);
  add_backtest_commands(app, global);
  add_pipeline_commands(app, global);
  CLI::App& trade = add_trade_commands(app, global);
  add_trade_ab_commands(trade, global);
  add_db_commands(app, global);
  add_serve_command(app, global);
  add_report_commands(app, global);
  add_models_commands(app, global);
  add_retrain_command(app, global);
  add_tune_command(app, global);
  add_news_commands(app, global);
  add_sentiment_bench(bench, global);
  add_risk_benches(bench, global);
  add_models_bench(bench, global);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    // Usage mistakes look like every other failure: one line, then where to look.
    fmt::print(stderr, "kestrel: error: {}\n(run `kestrel --help` or `kestrel <command> --help`)\n", e.what());
    return e.get_exit_code() != 0 ? e.get_exit_code() : 1;
  } catch (const CommandFailed& e) {
    fmt::print(stderr, "kestrel: error: {}\n", e.message);
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "kestrel: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
