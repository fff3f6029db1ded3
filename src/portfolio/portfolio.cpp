#include "portfolio/portfolio.hpp"

#include <algorithm>
#include <cstdlib>

namespace kestrel::portfolio {

Portfolio::Portfolio(std::size_t num_instruments, PortfolioConfig config)
    : config_(config), cash_(config.initial_cash), positions_(num_instruments) {}

void Portfolio::add_held(InstrumentId id) {
  held_.insert(std::lower_bound(held_.begin(), held_.end(), id), id);
}

void Portfolio::remove_held(InstrumentId id) {
  const auto it = std::lower_bound(held_.begin(), held_.end(), id);
  if (it != held_.end() && *it == id) held_.erase(it);
}

void Portfolio::open_shares(Position& p, core::Quantity q, core::Price price, core::Money fees,
                            core::Date date, std::size_t bar) {
  if (p.quantity == 0) {
    p = Position{.last_price = price, .last_bar = bar, .entry_date = date, .entry_bar = bar};
  }
  const core::Money value = core::notional(price, q);
  p.quantity += q;
  p.cost += value;
  p.entry_shares += std::llabs(q);
  p.entry_value += value.abs();
  p.fees += fees;
  p.realized -= fees;
}

core::Status Portfolio::apply_fill(InstrumentId id, core::Quantity signed_shares, core::Price price,
                                   core::Money fees, core::Date date, std::size_t bar,
                                   std::vector<RoundTrip>& closed) {
  Position& p = positions_[id];
  if (signed_shares == 0) return {};
  if (!config_.allow_short && p.quantity + signed_shares < 0) {
    return core::fail("selling {} shares with {} held would open a short position, and short "
                      "selling is disabled (portfolio.allow_short)",
                      -signed_shares, p.quantity);
  }
  cash_ -= core::notional(price, signed_shares);
  cash_ -= fees;
  const bool was_flat = p.quantity == 0;
  const bool same_direction = was_flat || (p.quantity > 0) == (signed_shares > 0);
  if (same_direction) {
    open_shares(p, signed_shares, price, fees, date, bar);
    if (was_flat) add_held(id);
    return {};
  }
  // Reducing, closing or flipping.
  const core::Quantity closing = std::min(std::llabs(signed_shares), std::llabs(p.quantity));
  const core::Quantity opening = std::llabs(signed_shares) - closing;
  const core::Money close_fees =
      opening == 0 ? fees : fees.scaled(static_cast<double>(closing) / static_cast<double>(std::llabs(signed_shares)));
  const core::Money open_fees = fees - close_fees;
  const core::Quantity signed_closing = signed_shares > 0 ? closing : -closing;
  // Cost of the closed shares at average cost (exact when the position closes completely).
  const core::Money closed_cost =
      closing == std::llabs(p.quantity)
          ? p.cost
          : p.cost.scaled(static_cast<double>(closing) / static_cast<double>(std::llabs(p.quantity)));
  const core::Money proceeds = -core::notional(price, signed_closing);  // signed like the position
  p.realized += proceeds - closed_cost - close_fees;
  p.fees += close_fees;
  p.exit_shares += closing;
  p.exit_value += proceeds.abs();
  p.cost -= closed_cost;
  const core::Quantity before = p.quantity;
  p.quantity += signed_closing;
  p.last_price = price;
  if (p.quantity == 0) {
    closed.push_back(RoundTrip{.instrument = id,
                               .entry_date = p.entry_date,
                               .exit_date = date,
                               .quantity = before > 0 ? p.entry_shares : -p.entry_shares,
                               .entry_value = p.entry_value,
                               .exit_value = p.exit_value,
                               .pnl = p.realized,
                               .fees = p.fees});
    p = Position{.last_price = price, .last_bar = bar};
    remove_held(id);
    if (opening > 0) {
      open_shares(p, signed_shares > 0 ? opening : -opening, price, open_fees, date, bar);
      add_held(id);
    }
  }
  return {};
}

void Portfolio::accrue_borrow() {
  if (config_.borrow_rate <= 0) return;
  for (InstrumentId id : held_) {
    Position& p = positions_[id];
    if (p.quantity >= 0) continue;
    const core::Money fee = p.market_value().abs().scaled(config_.borrow_rate / 252.0);
    cash_ -= fee;
    p.fees += fee;
    p.realized -= fee;
  }
}

core::Money Portfolio::market_value() const {
  core::Money total;
  for (InstrumentId id : held_) total += positions_[id].market_value();
  return total;
}

core::Money Portfolio::gross_value() const {
  core::Money total;
  for (InstrumentId id : held_) total += positions_[id].market_value().abs();
  return total;
}

core::Money Portfolio::unrealized() const {
  core::Money total;
  for (InstrumentId id : held_) total += positions_[id].market_value() - positions_[id].cost;
  return total;
}

std::size_t Portfolio::stale_count() const {
  std::size_t n = 0;
  for (InstrumentId id : held_) n += positions_[id].stale ? 1 : 0;
  return n;
}

}  // namespace kestrel::portfolio
