#include "strategy/signal_strategy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kestrel::strategy {

core::Status check_signal_params(const SignalParams& params) {
  if (params.top_k == 0) return core::fail("signal: top_k must be at least 1");
  if (!(params.gross > 0)) return core::fail("signal: gross must be positive, got {}", params.gross);
  if (params.rebalance_every == 0) return core::fail("signal: rebalance_every must be at least 1");
  return {};
}

void held_sides(const portfolio::Portfolio& book, std::vector<InstrumentId>& held_long, std::vector<InstrumentId>& held_short) {
  held_long.clear();
  held_short.clear();
  for (InstrumentId i : book.held()) {
    const auto q = book.position(i).quantity;
    if (q > 0) held_long.push_back(i);
    if (q < 0) held_short.push_back(i);
  }
}

namespace {

// Picks `k` places from `ranked` (best first): held names ranked within k + band keep theirs,
// the rest go to the best names not held.
std::vector<std::size_t> pick(std::span<const Prediction> ranked, std::size_t k, std::size_t band,
                              std::span<const InstrumentId> held) {
  std::vector<std::size_t> chosen;
  k = std::min(k, ranked.size());
  const std::size_t keep_within = std::min(ranked.size(), k + band);
  auto is_held = [&](InstrumentId i) { return std::binary_search(held.begin(), held.end(), i); };
  if (band > 0) {
    for (std::size_t j = 0; j < keep_within && chosen.size() < k; ++j) {
      if (is_held(ranked[j].instrument)) chosen.push_back(j);
    }
  }
  for (std::size_t j = 0; j < ranked.size() && chosen.size() < k; ++j) {
    // With a band, held names were kept above or have fallen out of the band: never re-entered.
    if (band > 0 && is_held(ranked[j].instrument)) continue;
    chosen.push_back(j);
  }
  return chosen;
}

}  // namespace

void signal_targets(std::vector<Prediction>& today, const SignalParams& params, std::span<const InstrumentId> held_long,
                    std::span<const InstrumentId> held_short, std::vector<TargetWeight>& targets) {
  std::stable_sort(today.begin(), today.end(), [](const Prediction& a, const Prediction& b) {
    return a.score != b.score ? a.score > b.score : a.instrument < b.instrument;
  });
  targets.clear();
  const double per_name = params.long_short ? params.gross / (2.0 * static_cast<double>(params.top_k))
                                            : params.gross / static_cast<double>(params.top_k);
  auto kept = [&](InstrumentId i, std::span<const InstrumentId> held) {
    return params.hold_band > 0 && std::binary_search(held.begin(), held.end(), i);
  };
  const std::vector<std::size_t> longs = pick(today, params.top_k, params.hold_band, held_long);
  for (std::size_t j : longs) {
    targets.push_back({.instrument = today[j].instrument, .weight = per_name, .confidence = today[j].confidence,
                       .hold = kept(today[j].instrument, held_long)});
  }
  if (params.long_short) {
    // Shorts from the bottom, among the names not already long.
    std::vector<Prediction> bottom;
    for (std::size_t j = today.size(); j-- > 0;) {
      if (std::find(longs.begin(), longs.end(), j) == longs.end()) bottom.push_back(today[j]);
    }
    for (std::size_t j : pick(bottom, params.top_k, params.hold_band, held_short)) {
      // A short carries no confidence: the column says how sure an up call is, not a down call.
      targets.push_back({.instrument = bottom[j].instrument, .weight = -per_name,
                         .confidence = std::numeric_limits<double>::quiet_NaN(),
                         .hold = kept(bottom[j].instrument, held_short)});
    }
  }
}

core::Status SignalStrategy::on_start(StrategyContext&) {
  if (auto s = check_signal_params(params_); !s) return s;
  cursor_ = 0;
  decision_days_ = 0;
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
  if (decision_days_++ % params_.rebalance_every != 0) return;  // not a rebalancing day
  held_sides(context.portfolio(), held_long_, held_short_);
  signal_targets(today_, params_, held_long_, held_short_, targets_);
  context.set_target_weights(targets_);
}

}  // namespace kestrel::strategy
