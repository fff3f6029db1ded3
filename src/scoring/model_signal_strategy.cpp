#include "scoring/model_signal_strategy.hpp"

namespace kestrel::scoring {

core::Status ModelSignalStrategy::on_start(strategy::StrategyContext&) {
  if (source_ == nullptr) return core::fail("model strategy: no score source");
  decision_days_ = 0;
  return strategy::check_signal_params(params_);
}

void ModelSignalStrategy::on_bar(strategy::StrategyContext& context) {
  const strategy::MarketView& m = context.market();
  if (m.before_first()) return;
  auto scores = source_->scores(m.today(), context.universe());
  if (!scores) {
    context.report_error(core::Error{
        fmt::format("model strategy: no scores for {}: {}", m.date().to_string(), scores.error().message),
        scores.error().kind});
    return;
  }
  today_.clear();
  for (const auto& p : *scores) {
    if (!std::isnan(p.confidence) && p.confidence < params_.min_confidence) continue;
    today_.push_back(p);
    if (probabilities_ && std::isnan(p.confidence)) today_.back().confidence = p.score;
  }
  if (today_.empty()) return;  // nothing usable: keep the positions
  if (decision_days_++ % params_.rebalance_every != 0) return;  // not a rebalancing day
  strategy::held_sides(context.portfolio(), held_long_, held_short_);
  strategy::young_positions(context.portfolio(), m.today(), params_.min_hold_days, young_);
  strategy::signal_targets(today_, params_, held_long_, held_short_, targets_, young_);
  context.set_target_weights(targets_);
}

}  // namespace kestrel::scoring
