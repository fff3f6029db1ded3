#include "strategy/momentum.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::strategy {

core::Status Momentum::on_start(StrategyContext&) {
  if (params_.top_k == 0) return core::fail("momentum: top_k must be at least 1");
  if (params_.rebalance_every == 0) return core::fail("momentum: rebalance_every must be at least 1");
  if (params_.skip >= params_.lookback) {
    return core::fail("momentum: skip ({}) must be less than lookback ({})", params_.skip, params_.lookback);
  }
  if (!(params_.gross > 0)) return core::fail("momentum: gross must be positive, got {}", params_.gross);
  bars_seen_ = 0;
  return {};
}

void Momentum::on_bar(StrategyContext& context) {
  if (bars_seen_++ % params_.rebalance_every != 0) return;
  const MarketView& m = context.market();
  scored_.clear();
  for (InstrumentId i : context.universe()) {
    if (!m.has_bar(i)) continue;
    const double recent = m.close_ago(i, params_.skip);
    const double past = m.close_ago(i, params_.lookback);
    if (!(recent > 0) || !(past > 0)) continue;  // also false for NaN
    scored_.push_back({recent / past - 1.0, i});
  }
  // Highest score first; ties by instrument index so reruns pick the same names.
  const std::size_t k = std::min(params_.top_k, scored_.size());
  std::partial_sort(scored_.begin(), scored_.begin() + static_cast<std::ptrdiff_t>(k), scored_.end(),
                    [](const Scored& a, const Scored& b) {
                      return a.score != b.score ? a.score > b.score : a.instrument < b.instrument;
                    });
  targets_.clear();
  for (std::size_t j = 0; j < k; ++j) {
    targets_.push_back({scored_[j].instrument, params_.gross / static_cast<double>(k)});
  }
  context.set_target_weights(targets_);
}

}  // namespace kestrel::strategy
