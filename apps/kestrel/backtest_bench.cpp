// `kestrel bench backtest`: throughput of the backtest engine on a folder of per-ticker CSVs.
#include <algorithm>
#include <chrono>
#include <ctime>

#include <sys/resource.h>
#include <memory>
#include <vector>

#include <fmt/format.h>

#include "backtest/engine.hpp"
#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "stock_universe.hpp"
#include "store/csv_folder.hpp"
#include "strategy/momentum.hpp"
#include "strategy/sma_crossover.hpp"

namespace kestrel::app {
namespace {

struct BacktestBenchArgs {
  std::string data;
  std::string strategy = "sma";
  int repeat = 3;
};

using core::seconds_since;

// CPU seconds of the whole process (all threads), for the parallel load.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// CPU seconds of this thread (the run is single-threaded): on a busy machine wall time
// includes waiting for a core, which this does not.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void run_backtest_bench(const BacktestBenchArgs& args) {
  const auto load_start = std::chrono::steady_clock::now();
  const double load_cpu_start = process_cpu_seconds();
  const store::Panel panel = value_or_fail(store::load_csv_panel(args.data));
  const double load_s = seconds_since(load_start);
  fmt::print("loaded {} tickers x {} dates in {:.3f} s ({:.3f} CPU s over all threads)\n", panel.num_tickers(),
             panel.num_dates(), load_s, process_cpu_seconds() - load_cpu_start);

  backtest::EngineConfig config;
  config.name = "bench-" + args.strategy;
  if (auto spy = panel.ticker_index("SPY")) config.benchmark = static_cast<backtest::InstrumentId>(*spy);
  // Trade the stocks only, as the configs do.
  for (std::size_t i : stock_universe(panel)) config.universe.push_back(static_cast<backtest::InstrumentId>(i));
  const std::size_t excluded = panel.num_tickers() - config.universe.size();
  fmt::print("universe: {} tickers ({} benchmark tickers excluded)\n", config.universe.size(), excluded);
  std::vector<double> run_s;
  std::vector<double> cpu_s;
  backtest::RunStats stats;
  analysis::BacktestRecord record;
  for (int r = 0; r < args.repeat; ++r) {
    std::unique_ptr<strategy::Strategy> strat;
    if (args.strategy == "sma") {
      strat = std::make_unique<strategy::SmaCrossover>(strategy::SmaCrossoverParams{});
    } else {
      strat = std::make_unique<strategy::Momentum>(strategy::MomentumParams{});
    }
    backtest::BacktestEngine engine(panel, config, *strat);
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    record = value_or_fail(engine.run());
    cpu_s.push_back(thread_cpu_seconds() - cpu_start);
    run_s.push_back(seconds_since(start));
    stats = engine.stats();
  }
  std::sort(run_s.begin(), run_s.end());
  std::sort(cpu_s.begin(), cpu_s.end());
  const double median = run_s[run_s.size() / 2];
  const double cpu_median = cpu_s[cpu_s.size() / 2];
  fmt::print("strategy {}: {} days, {} bars, {} orders, {} trades, final equity {:.2f}\n", args.strategy,
             stats.days, stats.bar_events, record.orders.size(), record.trades.size(),
             record.equity.empty() ? 0.0 : record.equity.back().equity);
  fmt::print("run: median {:.4f} s of {} (min {:.4f} s); thread CPU median {:.4f} s\n", median, run_s.size(),
             run_s.front(), cpu_median);
  fmt::print("{:.0f} bar-events/s\n", static_cast<double>(stats.bar_events) / median);
  fmt::print("{:.0f} bar-events per CPU second\n", static_cast<double>(stats.bar_events) / cpu_median);
  fmt::print("load+run: {:.3f} s\n", load_s + median);
}

}  // namespace

void add_backtest_bench(CLI::App& bench, const GlobalOptions&) {
  auto args = std::make_shared<BacktestBenchArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "backtest", "Time a full-universe backtest from a folder of per-ticker CSVs (load + run; prints bar-events/s)");
  cmd->add_option("--data", args->data, "Folder of per-ticker CSV files (e.g. ../shared/data/us-daily)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--strategy", args->strategy, "sma (crossover 50/200) or momentum (12-1 month, top 20)")
      ->check(CLI::IsMember({"sma", "momentum"}));
  cmd->add_option("--repeat", args->repeat, "Timed runs (the median is reported)")->check(CLI::PositiveNumber);
  cmd->callback([args] { run_backtest_bench(*args); });
}

}  // namespace kestrel::app
