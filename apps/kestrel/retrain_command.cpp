// `kestrel retrain`: a challenger trained on the latest data replaces the champion only when it
// ranks stocks better by more than noise on a shadow period (src/pipeline/retrain.hpp).
#include <memory>

#include <fmt/format.h>

#include "cli_support.hpp"
#include "pipeline/pipeline_config.hpp"
#include "pipeline/retrain.hpp"

namespace kestrel::app {
namespace {

struct RetrainArgs {
  std::string config, out;
  pipeline::RetrainOptions options;
};

void run_retrain(const GlobalOptions& global, RetrainArgs args) {
  const std::string config_path = args.config.empty() ? global.config_path : args.config;
  if (config_path.empty()) throw CommandFailed{"retrain: --config FILE.toml (the pipeline's) is required"};
  const auto config = value_or_fail(pipeline::read_pipeline_config(config_path));
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path("out") / config.name
                                                     : std::filesystem::path(args.out);
  args.options.show_progress = !global.quiet;
  args.options.log = [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  };
  const auto r = value_or_fail(pipeline::retrain(config, out, args.options));
  fmt::print("{}\n", r.promoted ? fmt::format("PROMOTED: registry entry {} ({}) is the champion; point "
                                             "strategy.model at it to trade it",
                                             r.challenger.registry_id, r.challenger.folder)
                                : fmt::format("KEPT: registry entry {} ({}) stays the champion; the challenger is "
                                             "entry {}",
                                             r.champion.registry_id, r.champion.folder, r.challenger.registry_id));
  fmt::print("decision: {}\n", r.decision_file.string());
}

}  // namespace

void add_retrain_command(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<RetrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "retrain",
      "Train a challenger of a pipeline model on the latest data and promote it over the registry's champion only "
      "if its rank IC on a shadow period (the latest sessions, unseen by both) is higher by more than margin-z "
      "standard errors; the verdict goes to the registry and OUT/retrain/ (docs/pipeline.md)");
  cmd->add_option("--config", args->config, "The pipeline configuration that trained the champion")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "The pipeline's output folder (default: out/<name>)");
  cmd->add_option("--model", args->options.model, "The model to retrain, e.g. xgboost")->required();
  cmd->add_option("--shadow-days", args->options.shadow_days, "Sessions in the shadow period (default 63)")
      ->check(CLI::Range(2, 100000));
  cmd->add_option("--valid-days", args->options.valid_days,
                  "The challenger's validation window before the shadow period (default 126)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--margin-z", args->options.margin_z,
                  "Promote when the mean daily rank-IC gain exceeds this many standard errors (default 1.645)");
  cmd->callback([&global, args] { run_retrain(global, *args); });
}

}  // namespace kestrel::app
