#include "strategy/signal_strategy.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::strategy {

core::Status check_signal_params(const SignalParams& params) {
  if (params.top_k == 0) return core::fail("signal: top_k must be at least 1");
  if (!(params.gross > 0)) return core::fail("signal: gross must be positive, got {}", params.gross);
  return {};
}

void signal_targets(std::vector<Prediction>& today, const SignalParams& params, std::vector<TargetWeight>& targets) {
  std::stable_sort(today.begin(), today.end(), [](const Prediction& a, const Prediction& b) {
    return a.score != b.score ? a.score > b.score : a.instrument < b.instrument;
  });
  targets.clear();
  const std::size_t k_long = std::min(params.top_k, today.size());
  const double per_name = params.long_short ? params.gross / (2.0 * static_cast<double>(params.top_k))
                                            : params.gross / static_cast<double>(params.top_k);
  for (std::size_t j = 0; j < k_long; ++j) {
    targets.push_back({.instrument = today[j].instrument, .weight = per_name, .confidence = today[j].confidence});
  }
  if (params.long_short) {
    const std::size_t k_short = std::min(params.top_k, today.size() - k_long);
    for (std::size_t j = 0; j < k_short; ++j) {
      // A short carries no confidence: the column says how sure an up call is, not a down call.
      targets.push_back({.instrument = today[today.size() - 1 - j].instrument, .weight = -per_name});
    }
  }
}

core::Status SignalStrategy::on_start(StrategyContext&) {
  if (auto s = check_signal_params(params_); !s) return s;
  cursor_ = 0;
  return {};
}

void SignalStrategy::on_bar(StrategyContext& context) {
  const MarketView& m = context.market();
  if (m.before_first()) return;
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
  signal_targets(today_, params_, targets_);
  context.set_target_weights(targets_);
}

}  // namespace kestrel::strategy
