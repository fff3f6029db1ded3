#pragma once
// The model comparison report of a pipeline run, written into its output folder:
//   report.md    markdown (what docs/results.md quotes)
//   report.html  the same tables as a self-contained page (no scripts, no network)
//   metrics.csv  every metric row: split, model, group (all / fold / year / stock)
// Out-of-sample metrics and backtest statistics side by side, with the run's seed, config
// hash and data range, the controls and the flags. Wording is deliberately plain: a model
// that loses to buy-and-hold or to a baseline is said to.
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "pipeline/pipeline.hpp"

namespace kestrel::pipeline {

struct ReportPaths {
  std::filesystem::path markdown;
  std::filesystem::path html;
  std::filesystem::path metrics_csv;
};

// The markdown text alone (tests and docs/results.md use it).
std::string comparison_markdown(const PipelineResult& result);

core::Result<ReportPaths> write_comparison_report(const PipelineResult& result, const std::filesystem::path& out);

}  // namespace kestrel::pipeline
