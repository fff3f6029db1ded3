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
  fast_.assign(n, {});
  slow_.assign(n, {});
  side_.assign(n, 0);
  started_ = false;
  return {};
}

void SmaCrossover::slide(Window& w, double in, double out) {
  if (std::isnan(in)) {
    ++w.missing;
  } else {
    w.sum += in;
  }
  if (std::isnan(out)) {
    --w.missing;
  } else {
    w.sum -= out;
  }
}

// Sums over the windows ending today, from scratch (first day, or after a gap in calls).
// Days before the panel's first date count as missing.
void SmaCrossover::rebuild(const MarketView& m, InstrumentId i) {
  for (auto [window, length] : {std::pair{&fast_[i], params_.fast}, std::pair{&slow_[i], params_.slow}}) {
    *window = {};
    for (std::size_t k = 0; k < length; ++k) {
      const double x = m.close_ago(i, k);
      if (std::isnan(x)) {
        ++window->missing;
      } else {
        window->sum += x;
      }
    }
  }
}

void SmaCrossover::on_bar(StrategyContext& context) {
  const MarketView& m = context.market();
  const std::size_t t = m.today();
  const bool incremental = started_ && t == last_t_ + 1;
  started_ = true;
  last_t_ = t;
  const auto& portfolio = context.portfolio();
  std::size_t slots = context.open_slots();
  core::Money budget = portfolio.cash();
  const double equity = portfolio.equity().to_double();
  const double fast_n = static_cast<double>(params_.fast);
  const double slow_n = static_cast<double>(params_.slow);

  for (InstrumentId i : context.universe()) {
    if (incremental) {
      slide(fast_[i], m.close_ago(i, 0), m.close_ago(i, params_.fast));
      slide(slow_[i], m.close_ago(i, 0), m.close_ago(i, params_.slow));
    } else {
      rebuild(m, i);
    }
    if (fast_[i].missing != 0 || slow_[i].missing != 0) {
      side_[i] = 0;
      continue;
    }
    // fast_sum / fast_n > slow_sum / slow_n, without the divisions.
    const std::int8_t side = fast_[i].sum * slow_n > slow_[i].sum * fast_n ? 1 : -1;
    const std::int8_t before = side_[i];
    side_[i] = side;
    if (before == 0 || before == side) continue;
    const core::Quantity held = portfolio.position(i).quantity;
    if (side > 0 && held == 0 && slots > 0) {
      const double close = m.close(i);
      const auto qty = static_cast<core::Quantity>(std::floor(equity * params_.position_weight / close));
      const core::Money cost = core::Money::round(static_cast<double>(qty) * close);
      if (qty <= 0 || cost > budget) continue;
      if (context.submit({.instrument = i, .side = execution::Side::Buy, .quantity = qty})) {
        --slots;
        budget -= cost;
      }
    } else if (side < 0 && held > 0) {
      (void)context.submit({.instrument = i, .side = execution::Side::Sell, .quantity = held});
    }
  }
}

}  // namespace kestrel::strategy
