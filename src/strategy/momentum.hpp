#pragma once
// Cross-sectional momentum: every `rebalance_every` bars, rank the universe by the adjusted
// return from `lookback` bars ago to `skip` bars ago (skipping the most recent month avoids
// the short-term reversal effect) and hold the top_k at equal weights summing to `gross`.
// Instruments without a bar today or without both reference prices are not ranked.
#include <cstddef>
#include <vector>

#include "strategy/strategy.hpp"

namespace kestrel::strategy {

struct MomentumParams {
  std::size_t lookback = 252;
  std::size_t skip = 21;
  std::size_t top_k = 20;
  std::size_t rebalance_every = 21;
  double gross = 1.0;
};

class Momentum final : public Strategy {
 public:
  explicit Momentum(MomentumParams params) : params_(params) {}
  std::string_view name() const override { return "momentum"; }
  core::Status on_start(StrategyContext& context) override;
  void on_bar(StrategyContext& context) override;

 private:
  struct Scored {
    double score;
    InstrumentId instrument;
  };
  MomentumParams params_;
  std::size_t bars_seen_ = 0;
  std::vector<Scored> scored_;          // reused between rebalances
  std::vector<TargetWeight> targets_;   // reused between rebalances
};

}  // namespace kestrel::strategy
