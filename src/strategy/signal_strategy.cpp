#include "strategy/signal_strategy.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::strategy {

core::Status SignalStrategy::on_start(StrategyContext&) {
  if (params_.top_k == 0) return core::fail("signal: top_k must be at least 1");
  if (!(params_.gross > 0)) return core::fail("signal: gross must be positive, got {}", params_.gross);
  cursor_ = 0;
  return {};
}

void SignalStrategy::on_bar(StrategyContext& context) {
  const MarketView& m = context.market();
  const core::Date today = m.date();
  // Everything dated after today stays unseen: this is what keeps the strategy point in time.
  std::size_t end = cursor_;
  while (end < predictions_.size() && predictions_[end].date <= today) ++end;
  if (end == cursor_) return;
  const core::Date newest = predictions_[end - 1].date;
  today_.clear();
  for (std::size_t k = cursor_; k < end; ++k) {
    const Prediction& p = predictions_[k];
    if (p.date != newest || !m.has_bar(p.instrument)) continue;
    if (!std::isnan(p.confidence) && p.confidence < params_.min_confidence) continue;
    if (!std::binary_search(context.universe().begin(), context.universe().end(), p.instrument)) continue;
    today_.push_back(p);
  }
  cursor_ = end;
  if (today_.empty()) return;  // nothing usable: keep the positions
  std::stable_sort(today_.begin(), today_.end(), [](const Prediction& a, const Prediction& b) {
    return a.score != b.score ? a.score > b.score : a.instrument < b.instrument;
  });
  targets_.clear();
  const std::size_t k_long = std::min(params_.top_k, today_.size());
  const double per_name = params_.long_short ? params_.gross / (2.0 * static_cast<double>(params_.top_k))
                                             : params_.gross / static_cast<double>(params_.top_k);
  for (std::size_t j = 0; j < k_long; ++j) targets_.push_back({today_[j].instrument, per_name});
  if (params_.long_short) {
    const std::size_t k_short = std::min(params_.top_k, today_.size() - k_long);
    for (std::size_t j = 0; j < k_short; ++j) {
      targets_.push_back({today_[today_.size() - 1 - j].instrument, -per_name});
    }
  }
  context.set_target_weights(targets_);
}

}  // namespace kestrel::strategy
