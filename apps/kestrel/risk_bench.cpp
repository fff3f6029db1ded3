// `kestrel bench montecarlo` and `kestrel bench optimizer`: the issue-6 benchmarks. Both read
// a folder of per-ticker CSVs (e.g. ../shared/data/us-daily) and print what they measured.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "allocation/portfolio_optimizer.hpp"
#include "analysis/monte_carlo.hpp"
#include "cli_support.hpp"
#include "core/elapsed.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::app {
namespace {

using Clock = std::chrono::steady_clock;
using core::seconds_since;

struct MonteCarloBenchArgs {
  std::string data;
  std::string ticker = "SPY";
  int paths = 10'000;
  int repeat = 5;
};

std::vector<double> daily_returns(const store::Panel& panel, std::size_t ticker) {
  const auto adj = panel.series(store::Field::AdjClose, ticker);
  std::vector<double> r;
  for (std::size_t t = 1; t < adj.size(); ++t) {
    const double v = adj[t] / adj[t - 1] - 1;
    if (std::isfinite(v)) r.push_back(v);
  }
  return r;
}

void run_montecarlo_bench(const MonteCarloBenchArgs& args) {
  const store::Panel panel = value_or_fail(store::load_csv_panel(args.data));
  const auto ticker = panel.ticker_index(args.ticker);
  if (!ticker) throw CommandFailed{fmt::format("{}: no {} in the data", args.data, args.ticker)};
  const std::vector<double> returns = daily_returns(panel, *ticker);
  analysis::MonteCarloOptions options;
  options.paths = args.paths;
  std::vector<double> times;
  analysis::MonteCarloResult result;
  for (int i = 0; i < args.repeat; ++i) {
    const auto start = Clock::now();
    result = value_or_fail(analysis::bootstrap_daily_returns(returns, options));
    times.push_back(seconds_since(start));
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  fmt::print("bench montecarlo: stationary block bootstrap of {} daily returns of {} ({} paths x {} days, "
             "mean block {} days, {} runs)\n",
             returns.size(), args.ticker, options.paths, options.horizon_days, options.mean_block_length, args.repeat);
  fmt::print("  seconds min {:.3f} median {:.3f}  paths/s {:.0f}\n", times.front(), median, options.paths / median);
  fmt::print("  median path: CAGR {:.1f}%  Sharpe {:.2f}  max drawdown {:.1f}%  P(drawdown >= 15%) {:.1f}%\n",
             100 * result.cagr.p50, result.sharpe.p50, 100 * result.max_drawdown.p50,
             100 * result.probability_drawdown_over_threshold);
}

struct OptimizerBenchArgs {
  std::string data;
  int names = 500;
  int days = 504;
  int repeat = 3;
};

void run_optimizer_bench(const OptimizerBenchArgs& args) {
  // Sectors come from the folder's universe.csv (the sector caps need them).
  const store::Panel panel = value_or_fail(store::load_csv_panel(args.data));
  // The names with complete adjusted closes over the last `days` + 1 dates, in panel order.
  const std::size_t end = panel.num_dates() - 1;
  if (panel.num_dates() <= static_cast<std::size_t>(args.days)) throw CommandFailed{"not enough dates in the data"};
  const std::size_t begin = end - static_cast<std::size_t>(args.days);
  std::vector<std::size_t> chosen;
  for (std::size_t i = 0; i < panel.num_tickers() && static_cast<int>(chosen.size()) < args.names; ++i) {
    if (panel.sectors()[i] == "Benchmark") continue;
    const auto adj = panel.series(store::Field::AdjClose, i);
    if (std::all_of(adj.begin() + static_cast<long>(begin), adj.begin() + static_cast<long>(end) + 1,
                    [](double v) { return std::isfinite(v); })) {
      chosen.push_back(i);
    }
  }
  allocation::AllocationInput in;
  in.returns.resize(args.days, static_cast<Eigen::Index>(chosen.size()));
  in.expected_returns.resize(static_cast<Eigen::Index>(chosen.size()));
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    const auto adj = panel.series(store::Field::AdjClose, chosen[k]);
    in.tickers.push_back(panel.tickers()[chosen[k]]);
    in.sectors.push_back(panel.sectors()[chosen[k]]);
    for (int d = 0; d < args.days; ++d) {
      const std::size_t t = begin + 1 + static_cast<std::size_t>(d);
      in.returns(d, static_cast<Eigen::Index>(k)) = adj[t] / adj[t - 1] - 1;
    }
    // A momentum-style forecast stands in for a model's expected returns.
    in.expected_returns[static_cast<Eigen::Index>(k)] = in.returns.col(static_cast<Eigen::Index>(k)).mean();
  }
  fmt::print("bench optimizer: {} names x {} days of returns ending {}; plan constraints (10%/name, 30%/sector, "
             "20% cash, 20 positions, $100 min), best of {} runs\n",
             chosen.size(), args.days, panel.dates()[end].to_string(), args.repeat);
  for (auto method : {allocation::AllocationMethod::EqualWeight, allocation::AllocationMethod::InverseVolatility,
                      allocation::AllocationMethod::MinimumVariance, allocation::AllocationMethod::MaxSharpe,
                      allocation::AllocationMethod::EqualRiskContribution,
                      allocation::AllocationMethod::HierarchicalRiskParity}) {
    double best = 1e300;
    allocation::Allocation result;
    for (int i = 0; i < args.repeat; ++i) {
      const auto start = Clock::now();
      result = value_or_fail(allocation::allocate(method, in, {}));
      best = std::min(best, seconds_since(start));
    }
    const auto held = (result.weights.array() != 0).count();
    fmt::print("  {:<26} {:>8.3f} s  {:>3} positions  cash {:.1f}%  solver iterations {}\n", allocation::to_string(method),
               best, held, 100 * result.cash, result.solver_iterations);
    for (const std::string& note : result.notes) fmt::print("      note: {}\n", note);
  }
}

}  // namespace

void add_risk_benches(CLI::App& bench, const GlobalOptions&) {
  auto mc = std::make_shared<MonteCarloBenchArgs>();
  CLI::App* montecarlo = bench.add_subcommand("montecarlo", "Monte Carlo: bootstrap one-year paths of a ticker's daily returns");
  montecarlo->add_option("--data", mc->data, "Folder of per-ticker CSV files")->required();
  montecarlo->add_option("--ticker", mc->ticker, "Ticker whose returns are resampled")->capture_default_str();
  montecarlo->add_option("--paths", mc->paths, "Paths per run")->capture_default_str()->check(CLI::PositiveNumber);
  montecarlo->add_option("--repeat", mc->repeat, "Timed runs")->capture_default_str()->check(CLI::PositiveNumber);
  montecarlo->callback([mc] { run_montecarlo_bench(*mc); });

  auto opt = std::make_shared<OptimizerBenchArgs>();
  CLI::App* optimizer = bench.add_subcommand("optimizer", "Portfolio construction: every method on a large universe");
  optimizer->add_option("--data", opt->data, "Folder of per-ticker CSV files")->required();
  optimizer->add_option("--names", opt->names, "Number of names")->capture_default_str()->check(CLI::PositiveNumber);
  optimizer->add_option("--days", opt->days, "Days of returns for the risk model")->capture_default_str()->check(CLI::Range(20, 100000));
  optimizer->add_option("--repeat", opt->repeat, "Timed runs per method")->capture_default_str()->check(CLI::PositiveNumber);
  optimizer->callback([opt] { run_optimizer_bench(*opt); });
}

}  // namespace kestrel::app
