#include "strategy/buy_and_hold.hpp"

namespace kestrel::strategy {

core::Status BuyAndHold::on_start(StrategyContext& context) {
  if (instruments_.empty()) {
    instruments_.assign(context.universe().begin(), context.universe().end());
  }
  if (instruments_.empty()) return core::fail("buy_and_hold: no instruments to buy");
  return {};
}

void BuyAndHold::on_bar(StrategyContext& context) {
  if (invested_) return;
  const MarketView& m = context.market();
  for (InstrumentId i : instruments_) {
    if (!m.has_bar(i)) return;
  }
  std::vector<TargetWeight> targets;
  for (InstrumentId i : instruments_) {
    targets.push_back({i, 1.0 / static_cast<double>(instruments_.size())});
  }
  context.set_target_weights(targets);
  invested_ = true;
}

}  // namespace kestrel::strategy
