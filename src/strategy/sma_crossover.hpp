#pragma once
// Moving-average crossover on adjusted closes, per instrument: buy when the fast simple
// moving average crosses above the slow one, sell the whole position when it crosses below.
// A buy is sized to position_weight × equity and only taken while the trade rules leave a
// free slot and cash lasts. Windows count panel dates; a window with a missing bar has no
// average, so no cross is seen until it is full again.
//
// The averages are running sums updated once per bar from the panel's contiguous arrays, so
// a day costs O(instruments) with no allocation.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "strategy/strategy.hpp"

namespace kestrel::strategy {

struct SmaCrossoverParams {
  std::size_t fast = 50;
  std::size_t slow = 200;
  double position_weight = 0.05;
};

class SmaCrossover final : public Strategy {
 public:
  explicit SmaCrossover(SmaCrossoverParams params) : params_(params) {}
  std::string_view name() const override { return "sma_crossover"; }
  core::Status on_start(StrategyContext& context) override;
  void on_bar(StrategyContext& context) override;

 private:
  struct Window {
    double sum = 0;
    std::uint32_t missing = 0;
  };
  void rebuild(const MarketView& m, InstrumentId i);
  static void slide(Window& w, double in, double out);

  SmaCrossoverParams params_;
  std::vector<Window> fast_;
  std::vector<Window> slow_;
  std::vector<std::int8_t> side_;  // +1 fast above slow, −1 below, 0 unknown
  std::size_t last_t_ = 0;
  bool started_ = false;
};

}  // namespace kestrel::strategy
