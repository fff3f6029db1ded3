// `kestrel pipeline`: the end-to-end job (data → features → train → predict → backtest →
// report) a TOML file describes; see docs/pipeline.md.
#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "analysis/pdf_printer.hpp"
#include "cli_support.hpp"
#include "pipeline/comparison_report.hpp"
#include "pipeline/pipeline.hpp"
#include "pipeline/pipeline_config.hpp"

namespace kestrel::app {
namespace {

struct PipelineArgs {
  std::string config;
  std::string out;
  bool pdf = false;
};

void run_pipeline_command(const GlobalOptions& global, const PipelineArgs& args) {
  const std::string config_path = args.config.empty() ? global.config_path : args.config;
  if (config_path.empty()) throw CommandFailed{"pipeline: --config FILE.toml is required"};
  const auto config = value_or_fail(pipeline::read_pipeline_config(config_path));
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path("out") / config.name
                                                     : std::filesystem::path(args.out);
  const auto result = value_or_fail(pipeline::run_pipeline(
      config, {.out = out, .show_progress = !global.quiet, .log = [](const std::string& line) {
                 fmt::print("{}\n", line);
                 std::fflush(stdout);
               }}));
  const auto paths = value_or_fail(pipeline::write_comparison_report(result, out));
  fmt::print("report: {} (markdown: {}) in {:.1f} s\n", paths.html.string(), paths.markdown.string(), result.seconds);
  if (args.pdf) {
    // The comparison report and every model's backtest report, each beside its HTML.
    std::vector<std::filesystem::path> pages = {paths.html};
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(out / "backtests", ec)) {
      if (std::filesystem::exists(entry.path() / "report.html")) pages.push_back(entry.path() / "report.html");
    }
    std::sort(pages.begin() + 1, pages.end());
    for (const auto& page : pages) {
      auto pdf = page;
      pdf.replace_extension(".pdf");
      check(analysis::print_to_pdf(page, pdf, {.script_budget = kReportScriptBudget}));
      fmt::print("pdf: {}\n", pdf.string());
    }
  }
  if (!result.flags.empty()) {
    fmt::print("the run is FLAGGED ({} issue(s)); see the report:\n", result.flags.size());
    for (const auto& f : result.flags) fmt::print("  {}\n", f);
  }
}

}  // namespace

void add_pipeline_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<PipelineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "pipeline",
      "Run the end-to-end job a TOML file describes: import the data, compute and leak-check the features, "
      "train every configured model (fixed split and walk-forward, out-of-sample only), run the controls "
      "(shuffled labels, planted leak), write predictions, backtest them after costs against buy-and-hold "
      "and write the comparison report (report.md, report.html, metrics.csv).");
  cmd->add_option("--config", args->config, "Pipeline configuration (TOML; see docs/pipeline.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Output folder (default: out/<name>)");
  cmd->add_flag("--pdf", args->pdf, "Also print the comparison report and every model's backtest report to PDF");
  cmd->callback([&global, args] { run_pipeline_command(global, *args); });
}

}  // namespace kestrel::app
