#include "strategy/signal_strategy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kestrel::strategy {

core::Status check_signal_params(const SignalParams& params) {
  if (params.top_k == 0) return core::fail("signal: top_k must be at least 1");
  if (!(params.gross > 0)) return core::fail("signal: gross must be positive, got {}", params.gross);
  if (params.rebalance_every == 0) return core::fail("signal: rebalance_every must be at least 1");
  if (!(params.min_gain >= 0)) return core::fail("signal: min_gain must be 0 or more, got {}", params.min_gain);
  if (!std::isnan(params.event_stop) && !(params.event_stop >= -1 && params.event_stop <= 1)) {
    return core::fail("signal: event_stop must be a sentiment in [-1, 1], got {}", params.event_stop);
  }
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

void young_positions(const portfolio::Portfolio& book, std::size_t today, std::size_t min_hold_days,
                     std::vector<InstrumentId>& young) {
  young.clear();
  if (min_hold_days == 0) return;
  for (InstrumentId i : book.held()) {
    const std::size_t entry = book.position(i).entry_bar;
    if (today < entry + min_hold_days - 1) young.push_back(i);  // held today - entry + 1 sessions
  }
}

namespace {

bool contains(std::span<const InstrumentId> sorted, InstrumentId i) {
  return std::binary_search(sorted.begin(), sorted.end(), i);
}

// Picks `k` places from `ranked` (best first): held names still within the minimum holding
// period keep theirs whatever their rank, then held names ranked within k + band, and the
// rest go to the best names not held.
std::vector<std::size_t> pick(std::span<const Prediction> ranked, std::size_t k, std::size_t band,
                              std::span<const InstrumentId> held, std::span<const InstrumentId> young) {
  std::vector<std::size_t> chosen;
  auto taken = [&](std::size_t j) { return std::find(chosen.begin(), chosen.end(), j) != chosen.end(); };
  for (std::size_t j = 0; j < ranked.size(); ++j) {
    if (contains(held, ranked[j].instrument) && contains(young, ranked[j].instrument)) chosen.push_back(j);
  }
  k = std::max(std::min(k, ranked.size()), chosen.size());
  const std::size_t keep_within = std::min(ranked.size(), k + band);
  if (band > 0) {
    for (std::size_t j = 0; j < keep_within && chosen.size() < k; ++j) {
      if (contains(held, ranked[j].instrument) && !taken(j)) chosen.push_back(j);
    }
  }
  for (std::size_t j = 0; j < ranked.size() && chosen.size() < k; ++j) {
    // With a band, held names were kept above or have fallen out of the band: never re-entered.
    if (taken(j) || (band > 0 && contains(held, ranked[j].instrument))) continue;
    chosen.push_back(j);
  }
  return chosen;
}

// The cost gate: each held name left out (best ranked first) displaces the weakest name that
// was picked without being held, unless that name ranks better by more than `min_gain`.
// `sign` is +1 when `ranked` is best score first (longs), -1 when lowest first (shorts).
// Returns the positions in `ranked` of the held names kept this way.
std::vector<std::size_t> keep_unless_worth_the_cost(std::span<const Prediction> ranked, std::vector<std::size_t>& chosen,
                                                    std::span<const InstrumentId> held, double min_gain, double sign) {
  std::vector<std::size_t> kept;
  if (!(min_gain > 0)) return kept;
  for (std::size_t h = 0; h < ranked.size(); ++h) {
    if (!contains(held, ranked[h].instrument) || std::find(chosen.begin(), chosen.end(), h) != chosen.end()) continue;
    // The weakest entrant: the last chosen position in ranked order that is not held.
    auto weakest = chosen.end();
    for (auto it = chosen.begin(); it != chosen.end(); ++it) {
      if (contains(held, ranked[*it].instrument)) continue;
      if (weakest == chosen.end() || *it > *weakest) weakest = it;
    }
    if (weakest == chosen.end()) break;
    if (sign * (ranked[*weakest].score - ranked[h].score) > min_gain) continue;  // worth the round trip
    *weakest = h;
    kept.push_back(h);
  }
  return kept;
}

}  // namespace

void signal_targets(std::vector<Prediction>& today, const SignalParams& params, std::span<const InstrumentId> held_long,
                    std::span<const InstrumentId> held_short, std::vector<TargetWeight>& targets,
                    std::span<const InstrumentId> young) {
  std::stable_sort(today.begin(), today.end(), [](const Prediction& a, const Prediction& b) {
    return a.score != b.score ? a.score > b.score : a.instrument < b.instrument;
  });
  targets.clear();
  const double per_name = params.long_short ? params.gross / (2.0 * static_cast<double>(params.top_k))
                                            : params.gross / static_cast<double>(params.top_k);
  auto kept = [&](InstrumentId i, std::span<const InstrumentId> held) {
    return contains(held, i) && (params.hold_band > 0 || contains(young, i));
  };
  std::vector<std::size_t> longs = pick(today, params.top_k, params.hold_band, held_long, young);
  const auto gated_longs = keep_unless_worth_the_cost(today, longs, held_long, params.min_gain, 1.0);
  auto gated = [](const std::vector<std::size_t>& g, std::size_t j) { return std::find(g.begin(), g.end(), j) != g.end(); };
  for (std::size_t j : longs) {
    targets.push_back({.instrument = today[j].instrument, .weight = per_name, .confidence = today[j].confidence,
                       .hold = kept(today[j].instrument, held_long) || gated(gated_longs, j)});
  }
  if (params.long_short) {
    // Shorts from the bottom, among the names not already long.
    std::vector<Prediction> bottom;
    for (std::size_t j = today.size(); j-- > 0;) {
      if (std::find(longs.begin(), longs.end(), j) == longs.end()) bottom.push_back(today[j]);
    }
    std::vector<std::size_t> shorts = pick(bottom, params.top_k, params.hold_band, held_short, young);
    const auto gated_shorts = keep_unless_worth_the_cost(bottom, shorts, held_short, params.min_gain, -1.0);
    for (std::size_t j : shorts) {
      // A short carries no confidence: the column says how sure an up call is, not a down call.
      targets.push_back({.instrument = bottom[j].instrument, .weight = -per_name,
                         .confidence = std::numeric_limits<double>::quiet_NaN(),
                         .hold = kept(bottom[j].instrument, held_short) || gated(gated_shorts, j)});
    }
  }
  // A young position without a score today (no bar) is kept all the same.
  for (InstrumentId i : young) {
    const bool targeted = std::any_of(targets.begin(), targets.end(), [&](const TargetWeight& t) { return t.instrument == i; });
    if (targeted) continue;
    const bool is_long = contains(held_long, i);
    if (!is_long && !contains(held_short, i)) continue;
    targets.push_back({.instrument = i, .weight = is_long ? per_name : -per_name,
                       .confidence = std::numeric_limits<double>::quiet_NaN(), .hold = true});
  }
}

core::Status SignalStrategy::on_start(StrategyContext&) {
  if (auto s = check_signal_params(params_); !s) return s;
  if (!std::isnan(params_.event_stop) && news_.empty()) {
    // Without news the stop could never fire: a run that looks protected and is not.
    return core::fail("signal: event_stop is set but there is no news series to apply it to");
  }
  cursor_ = 0;
  decision_days_ = 0;
  news_cursor_ = 0;
  event_stops_ = 0;
  return {};
}

void SignalStrategy::on_bar(StrategyContext& context) {
  const MarketView& m = context.market();
  if (m.before_first()) return;
  const core::Date today = m.date();
  // The event stop's names: today's news (dated by the session it counts for) under the level.
  adverse_.clear();
  if (!std::isnan(params_.event_stop)) {
    while (news_cursor_ < news_.size() && news_[news_cursor_].date < today) ++news_cursor_;
    for (std::size_t k = news_cursor_; k < news_.size() && news_[k].date == today; ++k) {
      if (news_[k].score < params_.event_stop) adverse_.push_back(news_[k].instrument);
    }
    std::sort(adverse_.begin(), adverse_.end());
  }
  const auto is_adverse = [&](InstrumentId i) { return std::binary_search(adverse_.begin(), adverse_.end(), i); };
  const auto count_stops = [&] {
    for (InstrumentId i : context.portfolio().held()) event_stops_ += is_adverse(i);
  };

  // Everything dated after today stays unseen: this is what keeps the strategy point in time.
  std::size_t end = cursor_;
  while (end < predictions_.size() && predictions_[end].date <= today) ++end;
  bool decide = false;
  if (end != cursor_) {
    const core::Date newest = predictions_[end - 1].date;
    today_.clear();
    for (std::size_t k = cursor_; k < end; ++k) {
      const Prediction& p = predictions_[k];
      if (p.date != newest || !m.has_bar(p.instrument)) continue;
      if (!std::isnan(p.confidence) && p.confidence < params_.min_confidence) continue;
      if (!std::binary_search(context.universe().begin(), context.universe().end(), p.instrument)) continue;
      if (is_adverse(p.instrument)) continue;  // not bought, and its place goes to the next name
      today_.push_back(p);
    }
    cursor_ = end;
    // A day without usable predictions keeps the positions; so does a day between rebalancings.
    decide = !today_.empty() && decision_days_++ % params_.rebalance_every == 0;
  }
  if (decide) {
    held_sides(context.portfolio(), held_long_, held_short_);
    young_positions(context.portfolio(), m.today(), params_.min_hold_days, young_);
    signal_targets(today_, params_, held_long_, held_short_, targets_, young_);
    std::erase_if(targets_, [&](const TargetWeight& t) { return is_adverse(t.instrument); });  // young ones too
    count_stops();
    context.set_target_weights(targets_);
    return;
  }
  // Not a decision day: only the event stop acts, every other position kept as it is.
  const auto& held = context.portfolio().held();
  if (std::none_of(held.begin(), held.end(), is_adverse)) return;
  count_stops();
  targets_.clear();
  // The others at their current weight, kept as they are (should the kernel resize them, e.g.
  // for a drawdown step, it resizes from where they stand).
  const double equity = context.portfolio().equity().to_double();
  for (InstrumentId i : held) {
    if (is_adverse(i)) continue;
    const auto quantity = static_cast<double>(context.portfolio().position(i).quantity);
    const double weight = m.has_bar(i) && equity > 0 ? quantity * m.close(i) / equity : (quantity > 0 ? 1e-9 : -1e-9);
    targets_.push_back({.instrument = i, .weight = weight, .confidence = std::numeric_limits<double>::quiet_NaN(),
                        .hold = true});
  }
  std::sort(targets_.begin(), targets_.end(), [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
  context.set_target_weights(targets_);
}

}  // namespace kestrel::strategy
