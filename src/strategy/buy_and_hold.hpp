#pragma once
// The benchmark strategy: on the first day every listed instrument has a bar, put equal
// weights of equity in them and never trade again.
#include <vector>

#include "strategy/strategy.hpp"

namespace kestrel::strategy {

class BuyAndHold final : public Strategy {
 public:
  // Empty: the whole universe.
  explicit BuyAndHold(std::vector<InstrumentId> instruments) : instruments_(std::move(instruments)) {}
  std::string_view name() const override { return "buy_and_hold"; }
  core::Status on_start(StrategyContext& context) override;
  void on_bar(StrategyContext& context) override;

 private:
  std::vector<InstrumentId> instruments_;
  bool invested_ = false;
};

}  // namespace kestrel::strategy
