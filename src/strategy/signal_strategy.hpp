#pragma once
// Trades a model's predictions (see predictions.hpp): after each close it takes the newest
// predictions dated on or before today that it has not used yet, ranks the instruments that
// have a bar today by score and sets target weights: the top_k long at gross / top_k each,
// or with long_short the top_k long and the bottom_k short at gross / (2 top_k) each.
// Rows below min_confidence are ignored. A day without new usable predictions keeps the
// positions.
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "strategy/predictions.hpp"
#include "strategy/strategy.hpp"

namespace kestrel::strategy {

struct SignalParams {
  std::size_t top_k = 10;
  bool long_short = false;
  double gross = 1.0;
  double min_confidence = 0;  // applies only when the file has a confidence column
  // Turnover control (Qlib's TopkDropout idea): a held name stays, at the size it has, while
  // its rank is within top_k + hold_band; only the freed places go to the best names not held,
  // at gross / top_k each. 0: the top_k, resized to equal weights at every decision.
  std::size_t hold_band = 0;
  // Decide on every n-th day with predictions (1: daily, 5: about weekly, 21: about monthly);
  // in between the positions are left alone.
  std::size_t rebalance_every = 1;
  // A position held fewer than this many sessions (counting the session it was opened in) is
  // kept, at its size, whatever its rank; it takes one of the top_k places. 0: no minimum.
  std::size_t min_hold_days = 0;
  // Trade only when the expected gain beats the cost: a held name that would leave is kept, at
  // its size, unless the name that would take its place scores more than `min_gain` higher (for
  // shorts: lower). In the score's units — with scores that are expected returns over the
  // holding horizon, a round trip's cost (e.g. 0.002 for 10 bps each way). 0: off.
  double min_gain = 0;
  // The event stop: after a session whose news sentiment for a held name (the strategy's news
  // series: the mean score of that session's items, in [-1, 1]) is below this, the name is sold
  // at the next open, whatever its rank, holding period or the rebalancing day, and no name
  // under it is bought that day. NaN: off. A name without news that day is left alone.
  double event_stop = std::numeric_limits<double>::quiet_NaN();
};

// Checks top_k, gross, rebalance_every and min_gain.
core::Status check_signal_params(const SignalParams& params);
// The target weights for one day's predictions (reordered: highest score first, ties by
// instrument index so that reruns pick the same names). `held_long` / `held_short` (ascending
// instruments) are today's positions, for the hold band; `young` (ascending, either side) the
// positions still within min_hold_days, kept whatever their rank.
void signal_targets(std::vector<Prediction>& today, const SignalParams& params, std::span<const InstrumentId> held_long,
                    std::span<const InstrumentId> held_short, std::vector<TargetWeight>& targets,
                    std::span<const InstrumentId> young = {});
// The ascending instruments held long and short in `book`.
void held_sides(const portfolio::Portfolio& book, std::vector<InstrumentId>& held_long, std::vector<InstrumentId>& held_short);
// The ascending instruments whose position, at session `today`, has been held fewer than
// `min_hold_days` sessions (the opening session counts as one).
void young_positions(const portfolio::Portfolio& book, std::size_t today, std::size_t min_hold_days,
                     std::vector<InstrumentId>& young);

class SignalStrategy final : public Strategy {
 public:
  // `news` (ascending dates; score = the session's sentiment) is read only by the event stop.
  SignalStrategy(std::vector<Prediction> predictions, SignalParams params, std::vector<Prediction> news = {})
      : predictions_(std::move(predictions)), params_(params), news_(std::move(news)) {}
  // Positions the event stop closed so far (a run whose stop never fired should say so).
  std::size_t event_stops() const { return event_stops_; }
  std::string_view name() const override { return "signal"; }
  core::Status on_start(StrategyContext& context) override;
  void on_bar(StrategyContext& context) override;

 private:
  std::vector<Prediction> predictions_;  // ascending dates
  SignalParams params_;
  std::size_t cursor_ = 0;               // first prediction not yet used
  std::size_t decision_days_ = 0;        // days with predictions so far (rebalance_every)
  std::vector<Prediction> today_;
  std::vector<InstrumentId> held_long_, held_short_, young_;
  std::vector<TargetWeight> targets_;
  std::vector<Prediction> news_;  // ascending dates
  std::size_t news_cursor_ = 0;
  std::size_t event_stops_ = 0;
  std::vector<InstrumentId> adverse_;  // today's names under the event stop, ascending
};

}  // namespace kestrel::strategy
