#include "sim/simulated_venue.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace kestrel::sim {

using execution::OrderEventKind;
using execution::OrderType;
using execution::Side;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kNever = std::numeric_limits<std::size_t>::max();
}  // namespace

SimulatedVenue::SimulatedVenue(const store::Panel& panel, BrokerConfig config, portfolio::PortfolioConfig account,
                               const core::Clock& clock, execution::ExecutionEventSink& sink)
    : panel_(&panel),
      config_(config),
      clock_(&clock),
      sink_(&sink),
      book_(panel.num_tickers(), account),
      view_(panel, 0),
      used_(panel.num_tickers(), 0.0),
      used_bar_(panel.num_tickers(), kNever) {}

void SimulatedVenue::emit(OrderEventKind kind, std::size_t k, core::UnixNanos ts, std::string reason) {
  const Working& w = orders_[k];
  sink_->on_order_event(execution::status_event(kind, w.local, w.request.client_order_id, ts, std::move(reason)));
}

std::size_t SimulatedVenue::add(execution::OrderId local, execution::OrderRequest request, bool active) {
  const std::size_t k = orders_.size();
  by_client_id_.emplace(request.client_order_id, k);
  orders_.push_back(Working{.local = local, .request = std::move(request), .eligible_from = active ? next_session_ : kNever,
                            .active = active, .trail_best = kNaN});
  open_.push_back(k);
  return k;
}

core::Status SimulatedVenue::submit(const execution::Order& order) {
  const execution::OrderRequest& request = order.request;
  const core::UnixNanos now = clock_->now();
  if (request.client_order_id.empty()) return core::fail("sim venue: an order needs a client_order_id");
  if (const auto it = by_client_id_.find(request.client_order_id); it != by_client_id_.end()) {
    if (orders_[it->second].request == request) return {};  // a retry of what we already hold
    sink_->on_order_event(execution::status_event(OrderEventKind::Rejected, order.id, request.client_order_id, now,
                                                  "client_order_id is already used by another order"));
    return {};
  }
  core::Status valid = request.instrument < panel_->num_tickers()
                           ? execution::validate(request)
                           : core::fail("instrument: no instrument {} (the data has {})", request.instrument,
                                        panel_->num_tickers());
  if (!valid) {
    // Not remembered: the same order sent again is judged again.
    sink_->on_order_event(
        execution::status_event(OrderEventKind::Rejected, order.id, request.client_order_id, now, valid.error().message));
    return {};
  }
  const std::size_t k = add(order.id, request, true);
  if (request.type == OrderType::TrailingStop) {
    // The trail starts from the last close before the session it becomes eligible in.
    for (std::size_t d = std::min(next_session_, panel_->num_dates()); d-- > 0;) {
      if (panel_->has_bar(request.instrument, d)) {
        orders_[k].trail_best = panel_->value(store::Field::AdjClose, request.instrument, d);
        break;
      }
    }
  }
  emit(OrderEventKind::Accepted, k, now);
  if (request.bracket) {
    const Side exit_side = request.side == Side::Buy ? Side::Sell : Side::Buy;
    const std::string& cid = request.client_order_id;
    execution::OrderRequest tp{.client_order_id = cid + "-tp", .instrument = request.instrument, .side = exit_side,
                               .quantity = request.quantity, .type = OrderType::Limit,
                               .tif = execution::TimeInForce::Gtc, .limit_price = request.bracket->take_profit,
                               .tag = execution::OrderTag::TakeProfit};
    execution::OrderRequest sl{.client_order_id = cid + "-sl", .instrument = request.instrument, .side = exit_side,
                               .quantity = request.quantity, .type = OrderType::Stop,
                               .tif = execution::TimeInForce::Gtc, .stop_price = request.bracket->stop_loss,
                               .tag = execution::OrderTag::StopLoss};
    const bool has_take_profit = !request.bracket->take_profit.is_zero();
    const std::size_t tp_k = has_take_profit ? add(order.take_profit_child, std::move(tp), false) : kNone;
    const std::size_t sl_k = add(order.stop_loss_child, std::move(sl), false);
    orders_[k].take_profit = tp_k;
    orders_[k].stop_loss = sl_k;
    orders_[sl_k].parent = k;
    if (has_take_profit) {
      orders_[tp_k].parent = k;
      orders_[tp_k].sibling = sl_k;
      orders_[sl_k].sibling = tp_k;
      emit(OrderEventKind::Accepted, tp_k, now);
    }
    emit(OrderEventKind::Accepted, sl_k, now);
  }
  return {};
}

core::Status SimulatedVenue::cancel(const execution::Order& order) {
  const auto it = by_client_id_.find(order.request.client_order_id);
  if (it == by_client_id_.end()) {
    return core::fail_as(core::ErrorKind::NotFound, "sim venue: no order '{}' to cancel", order.request.client_order_id);
  }
  const std::size_t k = it->second;
  if (!orders_[k].open) {
    emit(OrderEventKind::CancelRejected, k, clock_->now(), "order is no longer open");
    return {};
  }
  finish(k, OrderEventKind::Cancelled, {}, clock_->now());
  return {};
}

core::Result<std::vector<execution::VenueOrder>> SimulatedVenue::open_orders() {
  std::vector<execution::VenueOrder> out;
  for (std::size_t k : open_) {
    const Working& w = orders_[k];
    out.push_back({.client_order_id = w.request.client_order_id, .instrument = w.request.instrument,
                   .side = w.request.side, .quantity = w.request.quantity, .filled = w.filled,
                   .status = w.filled > 0 ? execution::OrderStatus::PartiallyFilled : execution::OrderStatus::Accepted});
  }
  return out;
}

core::Result<std::vector<execution::VenuePosition>> SimulatedVenue::positions() {
  std::vector<execution::VenuePosition> out;
  for (auto i : book_.held()) {
    const auto& p = book_.position(i);
    out.push_back({.instrument = i, .quantity = p.quantity, .cost = p.cost});
  }
  return out;
}

core::Result<execution::VenueAccount> SimulatedVenue::account() {
  return execution::VenueAccount{.cash = book_.cash(), .equity = book_.equity()};
}

void SimulatedVenue::finish(std::size_t k, OrderEventKind kind, std::string reason, core::UnixNanos ts) {
  Working& w = orders_[k];
  w.open = false;
  if (const auto it = std::lower_bound(open_.begin(), open_.end(), k); it != open_.end() && *it == k) open_.erase(it);
  const core::Quantity parent_filled = w.filled;
  const std::size_t children[2] = {w.take_profit, w.stop_loss};
  emit(kind, k, ts, std::move(reason));
  // An entry that ends short of its quantity shrinks its children to what was filled.
  for (std::size_t c : children) {
    if (c == kNone || !orders_[c].open) continue;
    if (orders_[c].filled >= parent_filled) {
      finish(c, OrderEventKind::Cancelled, parent_filled == 0 ? "bracket entry not filled" : "bracket entry ended", ts);
    } else {
      orders_[c].request.quantity = parent_filled;
    }
  }
}

core::Quantity SimulatedVenue::fillable(const Working& w) const {
  core::Quantity q = w.remaining();
  if (w.parent != kNone) {
    const core::Quantity sibling_filled = w.sibling != kNone ? orders_[w.sibling].filled : 0;
    q = std::min(q, orders_[w.parent].filled - w.filled - sibling_filled);
  }
  return q;
}

bool SimulatedVenue::can_trade(std::size_t k, std::size_t t) const {
  const Working& w = orders_[k];
  return w.open && w.active && w.eligible_from <= t && view_.has_bar(w.request.instrument);
}

double SimulatedVenue::trail_level(const Working& w) const {
  return w.request.side == Side::Sell ? w.trail_best * (1.0 - w.request.trail_fraction)
                                      : w.trail_best * (1.0 + w.request.trail_fraction);
}

void SimulatedVenue::open_phase(std::size_t k, std::size_t t) {
  Working& w = orders_[k];
  const auto& r = w.request;
  const bool buy = r.side == Side::Buy;
  const double open = view_.open(r.instrument);
  const double limit = r.limit_price.to_double();
  const double stop = r.stop_price.to_double();
  const core::UnixNanos ts = core::at_time_of_day(panel_->dates()[t], core::kSessionOpenSecond);
  switch (r.type) {
    case OrderType::Market:
    case OrderType::MarketOnOpen:
      fill(k, open, t, ts);
      break;
    case OrderType::Limit:
      if (buy ? open <= limit : open >= limit) fill(k, open, t, ts);
      break;
    case OrderType::Stop:
      if (buy ? open >= stop : open <= stop) fill(k, open, t, ts);
      break;
    case OrderType::StopLimit:
      if (!w.triggered && (buy ? open >= stop : open <= stop)) w.triggered = true;
      if (w.triggered && (buy ? open <= limit : open >= limit)) fill(k, open, t, ts);
      break;
    case OrderType::TrailingStop: {
      if (std::isnan(w.trail_best)) w.trail_best = open;
      const double level = trail_level(w);
      if (buy ? open >= level : open <= level) fill(k, open, t, ts);
      break;
    }
    case OrderType::MarketOnClose:
      break;
  }
}

void SimulatedVenue::stop_phase(std::size_t k, std::size_t t) {
  Working& w = orders_[k];
  const auto& r = w.request;
  const bool buy = r.side == Side::Buy;
  const strategy::InstrumentId i = r.instrument;
  const double high = view_.high(i);
  const double low = view_.low(i);
  const core::UnixNanos ts = core::at_time_of_day(panel_->dates()[t], core::kSessionMiddaySecond);
  switch (r.type) {
    case OrderType::Stop: {
      const double stop = r.stop_price.to_double();
      if (buy ? high >= stop : low <= stop) fill(k, stop, t, ts);
      break;
    }
    case OrderType::StopLimit: {
      const double stop = r.stop_price.to_double();
      const double limit = r.limit_price.to_double();
      if (!w.triggered && (buy ? high >= stop : low <= stop)) {
        w.triggered = true;
        if (buy ? stop <= limit : stop >= limit) fill(k, stop, t, ts);
      }
      break;
    }
    case OrderType::TrailingStop: {
      const double level = trail_level(w);
      if (buy ? high >= level : low <= level) fill(k, level, t, ts);
      // The best price moves with this bar for the next one (the order of high and low
      // within the bar is unknown, so the new level is not tested against this bar).
      Working& after = orders_[k];
      if (after.open) after.trail_best = buy ? std::min(after.trail_best, low) : std::max(after.trail_best, high);
      break;
    }
    default:
      break;
  }
}

void SimulatedVenue::limit_phase(std::size_t k, std::size_t t) {
  const Working& w = orders_[k];
  const auto& r = w.request;
  const bool is_limit = r.type == OrderType::Limit || (r.type == OrderType::StopLimit && w.triggered);
  if (!is_limit) return;
  const double limit = r.limit_price.to_double();
  if (r.side == Side::Buy ? view_.low(r.instrument) <= limit : view_.high(r.instrument) >= limit) {
    fill(k, limit, t, core::at_time_of_day(panel_->dates()[t], core::kSessionMiddaySecond));
  }
}

void SimulatedVenue::fill(std::size_t k, double base, std::size_t t, core::UnixNanos ts) {
  const Working& w = orders_[k];
  const auto& r = w.request;
  const strategy::InstrumentId i = r.instrument;
  const bool buy = r.side == Side::Buy;
  core::Quantity qty = fillable(w);
  if (qty <= 0) return;
  const double factor = view_.factor(i);
  if (config_.participation_cap > 0) {
    if (used_bar_[i] != t) {
      used_bar_[i] = t;
      used_[i] = 0;
    }
    const double capacity = std::floor(config_.participation_cap * view_.volume(i) / factor - used_[i]);
    qty = std::min(qty, static_cast<core::Quantity>(std::max(0.0, capacity)));
    if (qty <= 0) return;  // carries over
  }
  const double slip = slippage_fraction(config_.slippage, *panel_, i, t, static_cast<double>(qty));
  double price_d = buy ? base * (1.0 + slip) : base * (1.0 - slip);
  if (r.type == OrderType::Limit || r.type == OrderType::StopLimit) {
    const double limit = r.limit_price.to_double();
    price_d = buy ? std::min(price_d, limit) : std::max(price_d, limit);
  }
  const core::Price price = core::Price::round(price_d);

  // What the account allows.
  const core::Quantity wanted = qty;
  std::string shortfall;
  if (!buy && !book_.config().allow_short) {
    const core::Quantity held = std::max<core::Quantity>(0, book_.position(i).quantity);
    if (qty > held) {
      qty = held;
      shortfall = "no more shares to sell (short selling is disabled)";
    }
  }
  core::Money fee = commission(config_.commission, r.side, static_cast<double>(qty) * factor, core::notional(price, qty));
  if (buy) {
    const core::Money cash = book_.cash();
    while (qty > 0 && core::notional(price, qty) + fee > cash) {
      const core::Quantity affordable = core::shares_for(cash - fee, price);
      qty = affordable < qty ? std::max<core::Quantity>(0, affordable) : qty - 1;
      fee = commission(config_.commission, r.side, static_cast<double>(qty) * factor, core::notional(price, qty));
      shortfall = "insufficient cash";
    }
  }
  if (qty <= 0) {
    finish(k, OrderEventKind::Cancelled, shortfall, ts);
    return;
  }
  if (config_.participation_cap > 0) used_[i] += static_cast<double>(qty);
  const core::Date date = panel_->dates()[t];
  (void)book_.apply_fill(i, execution::signed_quantity(r.side, qty), price, fee, date, t, scratch_);
  {
    Working& mw = orders_[k];
    mw.filled += qty;
    if (mw.filled == mw.request.quantity) {
      mw.open = false;
      if (const auto it = std::lower_bound(open_.begin(), open_.end(), k); it != open_.end() && *it == k) open_.erase(it);
    }
    ++mw.fills;
    sink_->on_order_event({.kind = OrderEventKind::Fill, .order = mw.local, .client_order_id = mw.request.client_order_id,
                           .ts = ts, .execution_id = fmt::format("{}#{}", mw.request.client_order_id, mw.fills),
                           .quantity = qty, .price = price, .commission = fee, .reason = {}});
  }
  if (qty < wanted && orders_[k].open) finish(k, OrderEventKind::Cancelled, shortfall, ts);
  after_fill(k, t, ts);
}

void SimulatedVenue::after_fill(std::size_t k, std::size_t t, core::UnixNanos ts) {
  const Working& w = orders_[k];
  const bool at_open = ts == core::at_time_of_day(panel_->dates()[t], core::kSessionOpenSecond);
  for (std::size_t c : {w.take_profit, w.stop_loss}) {
    if (c == kNone || !orders_[c].open || orders_[c].active) continue;
    orders_[c].active = true;
    orders_[c].eligible_from = at_open ? t : t + 1;
  }
  if (w.parent != kNone && w.sibling != kNone) {
    const Working& parent = orders_[w.parent];
    const std::size_t sibling = w.sibling;
    const bool exhausted = !w.open && w.filled == w.request.quantity;
    const bool covered = !parent.open && w.filled + orders_[sibling].filled >= parent.filled;
    if ((exhausted || covered) && orders_[sibling].open) {
      finish(sibling, OrderEventKind::Cancelled, fmt::format("oco: {} filled", execution::to_string(w.request.tag)), ts);
    }
  }
}

void SimulatedVenue::process_session(std::size_t t) {
  next_session_ = t + 1;
  view_.set_today(t);
  if (open_.empty()) return;
  // Iterate over a snapshot: fills may cancel orders.
  snapshot_.assign(open_.begin(), open_.end());
  for (std::size_t k : snapshot_) {
    if (can_trade(k, t)) open_phase(k, t);
  }
  for (std::size_t k : snapshot_) {
    if (can_trade(k, t)) stop_phase(k, t);
  }
  for (std::size_t k : snapshot_) {
    if (can_trade(k, t)) limit_phase(k, t);
  }
  const core::UnixNanos close_ts = core::at_time_of_day(panel_->dates()[t], core::kSessionCloseSecond);
  for (std::size_t k : snapshot_) {
    if (can_trade(k, t) && orders_[k].request.type == OrderType::MarketOnClose) {
      fill(k, view_.close(orders_[k].request.instrument), t, close_ts);
    }
  }
  for (std::size_t k : snapshot_) {
    const Working& w = orders_[k];
    if (!w.open || w.request.tif != execution::TimeInForce::Day) continue;
    if (!w.active || w.eligible_from > t) continue;
    finish(k, OrderEventKind::Expired,
           view_.has_bar(w.request.instrument)
               ? std::string("day order not filled")
               : fmt::format("no bar for {} on {}", panel_->tickers()[w.request.instrument], panel_->dates()[t].to_string()),
           close_ts);
  }
}

void SimulatedVenue::end_session(std::size_t t) {
  for (auto i : book_.held()) {
    if (panel_->has_bar(i, t)) {
      book_.mark(i, core::Price::round(panel_->value(store::Field::AdjClose, i, t)), t);
    } else {
      book_.mark_stale(i);
    }
  }
  book_.accrue_borrow();
}

}  // namespace kestrel::sim
