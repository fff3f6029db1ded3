#include "strategy/sma_crossover.hpp"

#include <cmath>

namespace kestrel::strategy {

core::Status SmaCrossover::on_start(StrategyContext& context) {
  if (params_.fast == 0 || params_.fast >= params_.slow) {
    return core::fail("sma_crossover: fast ({}) must be at least 1 and less than slow ({})", params_.fast, params_.slow);
  }
  if (!(params_.position_weight > 0 && params_.position_weight <= 1)) {
    return core::fail("sma_crossover: position_weight must be in (0, 1], got {}", params_.position_weight);
  }
  const std::size_t n = context.market().num_instruments();
  averages_.assign(n, {});
  rings_.assign(n * params_.slow, 0.0);
  side_.assign(n, 0);
  exit_order_.assign(n, 0);
  started_ = false;
  return {};
}

void SmaCrossover::reset(InstrumentId i) {
  averages_[i] = {};
  side_[i] = 0;
}

double SmaCrossover::ring(InstrumentId i, std::size_t back) const {
  const std::size_t slow = params_.slow;
  return rings_[i * slow + (averages_[i].head + slow - 1 - back) % slow];
}

void SmaCrossover::push(InstrumentId i, double close) {
  Averages& a = averages_[i];
  const std::size_t slow = params_.slow;
  // What leaves each window as this close enters.
  if (a.count >= params_.fast) a.fast_sum -= ring(i, params_.fast - 1);
  if (a.count == slow) a.slow_sum -= ring(i, slow - 1);
  rings_[i * slow + a.head] = close;
  a.head = (a.head + 1) % slow;
  if (a.count < slow) ++a.count;
  a.fast_sum += close;
  a.slow_sum += close;
  a.missing = 0;
}

void SmaCrossover::warm_up(const MarketView& m, InstrumentId i) {
  reset(i);
  // The closes before today, newest first, up to `slow` of them, stopping at a gap too long.
  std::vector<double> history;
  std::size_t missing = 0;
  for (std::size_t k = 1; history.size() + 1 < params_.slow; ++k) {
    const double x = m.close_ago(i, k);
    if (k > m.today()) break;
    if (std::isnan(x)) {
      if (++missing > params_.max_gap) break;
      continue;
    }
    missing = 0;
    history.push_back(x);
  }
  for (auto it = history.rbegin(); it != history.rend(); ++it) push(i, *it);
  // Days without a bar just before today count towards the next gap.
  std::size_t recent_missing = 0;
  for (std::size_t k = 1; k <= m.today() && std::isnan(m.close_ago(i, k)); ++k) ++recent_missing;
  averages_[i].missing = recent_missing;
  // The side as of yesterday, so that today's comparison can be a cross.
  const Averages& a = averages_[i];
  if (a.count >= params_.slow) {
    const double diff = a.fast_sum * static_cast<double>(params_.slow) - a.slow_sum * static_cast<double>(params_.fast);
    if (diff != 0) side_[i] = diff > 0 ? 1 : -1;
  }
}

void SmaCrossover::on_bar(StrategyContext& context) {
  const MarketView& m = context.market();
  const std::size_t t = m.today();
  const bool continuing = started_ && t == last_t_ + 1;
  started_ = true;
  last_t_ = t;
  const auto& portfolio = context.portfolio();
  std::size_t slots = context.open_slots();
  core::Money budget = portfolio.cash();
  const double equity = portfolio.equity().to_double();
  const double fast_n = static_cast<double>(params_.fast);
  const double slow_n = static_cast<double>(params_.slow);

  for (InstrumentId i : context.universe()) {
    if (!continuing) warm_up(m, i);
    Averages& a = averages_[i];
    if (!m.has_bar(i)) {
      if (++a.missing > params_.max_gap) reset(i);
      continue;
    }
    push(i, m.close(i));
    if (a.count < params_.slow) continue;  // warming up
    // fast_sum / fast_n against slow_sum / slow_n, without the divisions.
    const double diff = a.fast_sum * slow_n - a.slow_sum * fast_n;
    const std::int8_t before = side_[i];
    if (diff != 0) side_[i] = diff > 0 ? 1 : -1;  // a tie keeps the side
    const std::int8_t side = side_[i];
    const core::Quantity held = portfolio.position(i).quantity;
    if (side > 0 && before < 0 && held == 0 && slots > 0) {
      const double close = m.close(i);
      const auto qty = static_cast<core::Quantity>(std::floor(equity * params_.position_weight / close));
      const core::Money cost = core::Money::round(static_cast<double>(qty) * close);
      if (qty <= 0 || cost > budget) continue;
      if (context.submit({.instrument = i, .side = execution::Side::Buy, .quantity = qty})) {
        --slots;
        budget -= cost;
      }
    } else if (side < 0 && held > 0) {
      // On the cross, and again on any later day the position is still there.
      const execution::Order* working = exit_order_[i] != 0 ? context.order(exit_order_[i]) : nullptr;
      if (working != nullptr && execution::is_open(working->status)) continue;
      if (auto id = context.submit({.instrument = i, .side = execution::Side::Sell, .quantity = held})) {
        exit_order_[i] = *id;
      }
    }
  }
}

}  // namespace kestrel::strategy
