#pragma once
// Stress tests of current holdings:
//  - historical replays: what the holdings (static weights, no rebalancing) would have
//    returned over named crisis windows found in the data, with the worst peak-to-trough
//    loss inside the window and the benchmark's return beside it. A holding without data
//    in a window (listed later) is replaced by its beta times the benchmark, and flagged.
//  - hypothetical shocks: the market falls 10% (each holding moves by its beta times the
//    shock), or one sector falls 20%.
// Point in time: betas use the year of returns up to `as_of`, and only windows that end on
// or before `as_of` are replayed.
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::risk {

struct Holding {
  std::string ticker;
  double weight = 0;  // fraction of equity; negative for shorts
};

struct StressWindow {
  std::string name;
  core::Date start;
  core::Date end;
};

// 2000–02 dot-com bust, 2008–09 financial crisis, 2011 US downgrade, 2015 China
// devaluation, 2018 Q4 sell-off (dates in docs/risk.md).
std::vector<StressWindow> default_stress_windows();

struct StressResult {
  std::string scenario;
  std::string kind;  // "historical" or "hypothetical"
  double portfolio_return = 0;
  double worst_drawdown = 0;     // historical only: largest peak-to-trough loss in the window
  double benchmark_return = 0;   // historical: the benchmark over the window; hypothetical: the shock
  std::vector<std::string> proxied;  // holdings replaced by beta x benchmark
};

struct StressOptions {
  std::string benchmark = "SPY";
  double market_shock = -0.10;
  double sector_shock = -0.20;
  int beta_lookback_days = 252;
};

// One result per replayable window, one for the market shock and one per sector held.
core::Result<std::vector<StressResult>> run_stress_tests(const store::Panel& panel, const std::vector<Holding>& holdings,
                                                         core::Date as_of, const std::vector<StressWindow>& windows,
                                                         const StressOptions& options = {});

}  // namespace kestrel::risk
