// `kestrel backtest`: run a configured backtest (or a sweep of them) and write its reports.
#include <atomic>
#include <fstream>
#include <memory>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "analysis/performance_stats.hpp"
#include "analysis/report.hpp"
#include "backtest/config.hpp"
#include "backtest/risk_report.hpp"
#include "backtest/runner.hpp"
#include "analysis/pdf_printer.hpp"
#include "cli_support.hpp"
#include "core/progress.hpp"

namespace kestrel::app {
namespace {

struct BacktestArgs {
  std::string config;
  std::string out;
  std::vector<std::string> sweeps;
  bool pdf = false;
};

struct Sweep {
  std::string key;
  std::vector<std::string> values;
};

Sweep parse_sweep(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw CommandFailed{fmt::format("--sweep '{}': expected key=v1,v2,... (e.g. strategy.fast=10,20,50)", text)};
  }
  Sweep s{text.substr(0, eq), {}};
  if (s.key.starts_with("data.") || s.key == "data") {
    throw CommandFailed{fmt::format("--sweep {}: the market data is shared by all runs and cannot be swept", s.key)};
  }
  std::string rest = text.substr(eq + 1);
  std::size_t start = 0;
  for (;;) {
    const auto comma = rest.find(',', start);
    s.values.push_back(rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return s;
}

// Every combination of the sweeps' values, the first sweep varying slowest.
std::vector<std::vector<backtest::Override>> combinations(const std::vector<Sweep>& sweeps) {
  std::vector<std::vector<backtest::Override>> out{{}};
  for (const auto& s : sweeps) {
    std::vector<std::vector<backtest::Override>> next;
    for (const auto& prefix : out) {
      for (const auto& v : s.values) {
        auto combo = prefix;
        combo.push_back({s.key, v});
        next.push_back(std::move(combo));
      }
    }
    out = std::move(next);
  }
  return out;
}

std::string describe(const std::vector<backtest::Override>& overrides) {
  std::string s;
  for (const auto& o : overrides) s += fmt::format("{}{}={}", s.empty() ? "" : " ", o.key, o.value);
  return s;
}

struct RunResult {
  std::filesystem::path dir;
  std::optional<analysis::BacktestRecord> record;
  std::optional<analysis::PerformanceStats> stats;
  std::size_t trades = 0;
  std::string error;
};

RunResult run_one(const backtest::BacktestConfig& config, const store::Panel& panel, const std::filesystem::path& dir) {
  RunResult result{.dir = dir, .record = std::nullopt, .stats = std::nullopt, .trades = 0, .error = {}};
  auto run = backtest::run_backtest(config, panel);
  if (!run) {
    result.error = run.error().message;
    return result;
  }
  auto stats = analysis::compute_performance_stats(run->record);
  if (!stats) {
    result.error = stats.error().message;
    return result;
  }
  result.trades = run->record.trades.size();
  result.record = std::move(run->record);
  result.stats = std::move(*stats);
  return result;
}

// sweep.json: every run's parameters and headline statistics, and whether the best run is
// more than luck (deflated Sharpe ratio over all runs, probability of backtest overfitting).
void write_sweep_summary(const std::filesystem::path& path, const std::vector<RunResult>& results,
                         const std::vector<std::vector<backtest::Override>>& combos, std::optional<std::size_t> best) {
  auto runs = nlohmann::json::array();
  for (std::size_t k = 0; k < results.size(); ++k) {
    nlohmann::json run = {{"parameters", describe(combos[k])}, {"dir", results[k].dir.filename().string()}};
    if (results[k].stats) {
      run["sharpe"] = results[k].stats->strategy.sharpe;
      run["cagr"] = results[k].stats->strategy.annual_return;
      run["max_drawdown"] = results[k].stats->strategy.max_drawdown;
    } else {
      run["error"] = results[k].error;
    }
    runs.push_back(std::move(run));
  }
  nlohmann::json summary = {{"runs", runs}};
  if (best && results[*best].record && results[*best].record->risk) {
    const auto& sig = results[*best].record->risk->sharpe_significance;
    summary["best"] = {{"parameters", describe(combos[*best])},
                       {"dir", results[*best].dir.filename().string()},
                       {"sharpe_daily", sig.sharpe},
                       {"deflated_sharpe", sig.deflated_sharpe},
                       {"probabilistic_sharpe", sig.probabilistic_sharpe},
                       {"expected_max_sharpe", sig.expected_max_sharpe},
                       {"trials", sig.trials}};
    if (sig.pbo >= 0) summary["best"]["pbo"] = sig.pbo;
  }
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream file(path, std::ios::trunc);
  file << summary.dump(2) << "\n";
  if (!file) throw CommandFailed{fmt::format("{}: cannot write the sweep summary", path.string())};
}

void run_backtest_command(const GlobalOptions& global, const BacktestArgs& args) {
  const std::string config_path = args.config.empty() ? global.config_path : args.config;
  if (config_path.empty()) throw CommandFailed{"backtest: --config FILE.toml is required"};
  std::vector<Sweep> sweeps;
  for (const auto& s : args.sweeps) sweeps.push_back(parse_sweep(s));
  const auto combos = combinations(sweeps);

  // Every combination is validated before anything runs.
  std::vector<backtest::BacktestConfig> configs;
  for (const auto& overrides : combos) {
    configs.push_back(value_or_fail(backtest::read_backtest_config(config_path, overrides)));
  }
  const std::filesystem::path out = args.out.empty() ? std::filesystem::path("backtests") / configs[0].name
                                                     : std::filesystem::path(args.out);
  const store::Panel panel = value_or_fail(backtest::load_panel(configs[0].data));

  std::vector<RunResult> results(configs.size());
  core::ProgressBar progress("backtests", configs.size(), !global.quiet && configs.size() > 1);
  tbb::parallel_for(std::size_t{0}, configs.size(), [&](std::size_t k) {
    const auto dir = configs.size() == 1 ? out : out / fmt::format("run-{:03d}", k + 1);
    results[k] = run_one(configs[k], panel, dir);
    progress.advance();
  });
  progress.finish();

  // A sweep's best run is judged against all of them before the reports are written.
  std::optional<std::size_t> best;
  if (configs.size() > 1) {
    std::vector<analysis::BacktestRecord*> records;
    std::vector<std::size_t> index;
    for (std::size_t k = 0; k < results.size(); ++k) {
      if (results[k].record) {
        records.push_back(&*results[k].record);
        index.push_back(k);
      }
    }
    if (records.size() >= 2) {
      if (auto b = backtest::add_sweep_significance(records)) {
        best = index[*b];
      } else {
        fmt::print(stderr, "sweep: deflated Sharpe ratio not computed: {}\n", b.error().message);
      }
    }
  }
  tbb::parallel_for(std::size_t{0}, results.size(), [&](std::size_t k) {
    RunResult& r = results[k];
    if (!r.record) return;
    if (auto files = analysis::write_backtest_report(*r.record, *r.stats, r.dir); !files) {
      r.error = files.error().message;
      r.stats.reset();
    }
  });
  if (configs.size() > 1) write_sweep_summary(out / "sweep.json", results, combos, best);
  // One Chromium at a time: each needs a few hundred MB.
  for (RunResult& r : results) {
    if (!args.pdf || !r.error.empty() || !r.record) continue;
    if (auto printed = analysis::print_to_pdf(r.dir / "report.html", r.dir / "report.pdf", {.script_budget = kReportScriptBudget}); !printed) {
      r.error = printed.error().message;
    }
  }

  bool failed = false;
  for (std::size_t k = 0; k < results.size(); ++k) {
    const auto& r = results[k];
    const std::string label = combos[k].empty() ? configs[k].name : describe(combos[k]);
    if (!r.error.empty()) {
      fmt::print(stderr, "{}: error: {}\n", label, r.error);
      failed = true;
      continue;
    }
    const auto& s = *r.stats;
    fmt::print("{}: {} .. {}, equity {:.2f} -> {:.2f}, total return {:.2f}%, CAGR {:.2f}%, Sharpe {:.2f}, max "
               "drawdown {:.2f}%, {} trades -> {}\n",
               label, s.start.to_string(), s.end.to_string(), s.starting_equity, s.ending_equity,
               100 * s.strategy.total_return, 100 * s.strategy.annual_return, s.strategy.sharpe,
               100 * s.strategy.max_drawdown, r.trades, r.dir.string());
    for (const auto& flag : r.record->flags) fmt::print("{}: FLAGGED: {}\n", label, flag);
  }
  if (configs.size() > 1) fmt::print("sweep summary -> {}\n", (out / "sweep.json").string());
  if (failed) throw CommandFailed{"some backtests failed (see above)"};
}

}  // namespace

void add_backtest_commands(CLI::App& app, const GlobalOptions& global) {
  auto args = std::make_shared<BacktestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "backtest",
      "Run the backtest a TOML file describes and write report.html, stats.json and equity/trades/orders CSVs. "
      "With --sweep, run every combination of the swept values in parallel (each run deterministic), one folder "
      "per run.");
  cmd->add_option("--config", args->config, "Backtest configuration (TOML; see docs/backtesting.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Output folder (default: backtests/<name>)");
  cmd->add_flag("--pdf", args->pdf, "Also print report.html to report.pdf, every section (headless Chromium)");
  cmd->add_option("--sweep", args->sweeps, "key=v1,v2,... e.g. strategy.fast=10,20,50 (repeatable: all combinations)");
  cmd->callback([&global, args] { run_backtest_command(global, *args); });
}

}  // namespace kestrel::app
