#pragma once
// Moving-average crossover on adjusted closes, per instrument: buy when the fast simple
// moving average crosses above the slow one, sell the whole position when it crosses below.
// A buy is sized to position_weight × equity and only taken while the trade rules leave a
// free slot and cash lasts.
//
// Gaps: the averages are over the instrument's own last `fast` / `slow` bars, so a missing
// day only reaches one bar further back (as the features bridge gaps); a run of more than
// `max_gap` missing days restarts the warm-up, since averages across it would mix prices far
// apart. Crossings are judged on days with a bar.
//
// Ties: equal averages are no crossing; the side stays what the last unequal comparison said
// (Backtrader's CrossOver convention: a touch is not a cross).
//
// Exits survive missing bars: while the averages say "below" and the position is still held
// (a day order expired because the stock had no bar, say), the sell is sent again each day
// until it fills. A missed entry is not chased.
//
// Each instrument keeps its last `slow` closes in a ring with running sums: a day costs
// O(instruments), no allocation.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "strategy/strategy.hpp"

namespace kestrel::strategy {

struct SmaCrossoverParams {
  std::size_t fast = 50;
  std::size_t slow = 200;
  double position_weight = 0.05;
  std::size_t max_gap = 5;  // consecutive missing days bridged; more restart the warm-up
};

class SmaCrossover final : public Strategy {
 public:
  explicit SmaCrossover(SmaCrossoverParams params) : params_(params) {}
  std::string_view name() const override { return "sma_crossover"; }
  core::Status on_start(StrategyContext& context) override;
  void on_bar(StrategyContext& context) override;

 private:
  struct Averages {
    std::size_t count = 0;    // closes in the ring (at most slow)
    std::size_t head = 0;     // where the next close goes
    std::size_t missing = 0;  // consecutive days without a bar
    double fast_sum = 0;
    double slow_sum = 0;
  };
  void reset(InstrumentId i);
  void push(InstrumentId i, double close);
  // Fills the rings from the history before the first day the strategy runs.
  void warm_up(const MarketView& m, InstrumentId i);
  double ring(InstrumentId i, std::size_t back) const;  // back = 0: the newest close

  SmaCrossoverParams params_;
  std::vector<Averages> averages_;
  std::vector<double> rings_;      // [instrument × slow]
  std::vector<std::int8_t> side_;  // +1 fast above slow, −1 below, 0 unknown
  std::vector<execution::OrderId> exit_order_;  // the sell working for each instrument
  std::size_t last_t_ = 0;
  bool started_ = false;
};

}  // namespace kestrel::strategy
