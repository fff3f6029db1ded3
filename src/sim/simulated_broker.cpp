#include "sim/simulated_broker.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kestrel::sim {

using execution::Order;
using execution::OrderId;
using execution::OrderStatus;
using execution::OrderType;
using execution::Side;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kNever = std::numeric_limits<std::size_t>::max();
}  // namespace

SimulatedBroker::SimulatedBroker(const store::Panel& panel, BrokerConfig config,
                                 const portfolio::Portfolio& portfolio,
                                 execution::ExecutionListener& listener)
    : panel_(&panel),
      config_(config),
      portfolio_(&portfolio),
      listener_(&listener),
      view_(panel, 0),
      used_(panel.num_tickers(), 0.0),
      used_bar_(panel.num_tickers(), kNever) {}

void SimulatedBroker::set_session(std::size_t t, std::size_t eligible_from) {
  session_ = t;
  next_eligible_ = eligible_from;
}

const Order* SimulatedBroker::order(OrderId id) const {
  return id >= 1 && id <= orders_.size() ? &orders_[id - 1] : nullptr;
}

const Order* SimulatedBroker::find(std::string_view client_order_id) const {
  const auto it = by_client_id_.find(std::string(client_order_id));
  return it == by_client_id_.end() ? nullptr : &orders_[it->second - 1];
}

core::Result<OrderId> SimulatedBroker::submit(const execution::OrderRequest& request) {
  if (!request.client_order_id.empty()) {
    if (const auto it = by_client_id_.find(request.client_order_id); it != by_client_id_.end()) {
      if (orders_[it->second - 1].request == request) return it->second;
      return core::fail("client_order_id '{}' is already used by order {} with different fields",
                        request.client_order_id, it->second);
    }
  }
  const core::Date date = panel_->dates()[session_];
  Order o;
  o.id = orders_.size() + 1;
  o.request = request;
  if (o.request.client_order_id.empty()) o.request.client_order_id = "sim-" + std::to_string(o.id);
  o.submitted = o.last_update = date;
  const OrderId id = o.id;
  by_client_id_.emplace(o.request.client_order_id, id);
  orders_.push_back(std::move(o));
  working_.push_back(Working{.eligible_from = next_eligible_, .trail_best = kNaN});

  core::Status valid = request.instrument < panel_->num_tickers()
                           ? execution::validate(request)
                           : core::fail("instrument: no instrument {} (the panel has {})",
                                        request.instrument, panel_->num_tickers());
  if (!valid) {
    finish(id, OrderStatus::Rejected, valid.error().message);
    return core::fail("order {} rejected: {}", at(id).request.client_order_id, valid.error().message);
  }
  (void)execution::transition(at(id), OrderStatus::Accepted, date);
  open_.push_back(id);
  if (request.type == OrderType::TrailingStop) {
    // The trail starts from the last close seen at submission.
    for (std::size_t d = session_ + 1; d-- > 0;) {
      if (panel_->has_bar(request.instrument, d)) {
        working(id).trail_best = panel_->value(store::Field::AdjClose, request.instrument, d);
        break;
      }
    }
  }
  listener_->on_order_update(at(id));

  if (request.bracket) {
    const Side exit_side = request.side == Side::Buy ? Side::Sell : Side::Buy;
    const std::string cid = at(id).request.client_order_id;
    execution::OrderRequest tp{.client_order_id = cid + "-tp", .instrument = request.instrument,
                               .side = exit_side, .quantity = request.quantity,
                               .type = OrderType::Limit, .tif = execution::TimeInForce::Gtc,
                               .limit_price = request.bracket->take_profit,
                               .tag = execution::OrderTag::TakeProfit};
    execution::OrderRequest sl{.client_order_id = cid + "-sl", .instrument = request.instrument,
                               .side = exit_side, .quantity = request.quantity,
                               .type = OrderType::Stop, .tif = execution::TimeInForce::Gtc,
                               .stop_price = request.bracket->stop_loss,
                               .tag = execution::OrderTag::StopLoss};
    OrderId child_ids[2] = {0, 0};
    int k = 0;
    for (auto* child : {&tp, &sl}) {
      Order c;
      c.id = orders_.size() + 1;
      c.request = std::move(*child);
      c.submitted = c.last_update = date;
      c.parent = id;
      c.status = OrderStatus::Accepted;
      by_client_id_.emplace(c.request.client_order_id, c.id);
      child_ids[k++] = c.id;
      orders_.push_back(std::move(c));
      working_.push_back(Working{.eligible_from = kNever, .active = false, .trail_best = kNaN});
      open_.push_back(child_ids[k - 1]);
    }
    at(id).take_profit_child = child_ids[0];
    at(id).stop_loss_child = child_ids[1];
    at(child_ids[0]).oco_sibling = child_ids[1];
    at(child_ids[1]).oco_sibling = child_ids[0];
    listener_->on_order_update(at(child_ids[0]));
    listener_->on_order_update(at(child_ids[1]));
  }
  return id;
}

core::Status SimulatedBroker::cancel(OrderId id, std::string_view reason) {
  const Order* o = order(id);
  if (o == nullptr) return core::fail("cancel: no order {}", id);
  if (!execution::is_open(o->status)) {
    return core::fail("cancel: order {} ({}) is already {}", id, o->request.client_order_id,
                      execution::to_string(o->status));
  }
  finish(id, OrderStatus::Cancelled, std::string(reason));
  return {};
}

void SimulatedBroker::finish(OrderId id, OrderStatus status, std::string reason) {
  Order& o = at(id);
  (void)execution::transition(o, status, panel_->dates()[session_]);
  o.reason = std::move(reason);
  if (const auto it = std::lower_bound(open_.begin(), open_.end(), id); it != open_.end() && *it == id) {
    open_.erase(it);
  }
  const core::Quantity parent_filled = o.filled;
  const OrderId children[2] = {o.take_profit_child, o.stop_loss_child};
  listener_->on_order_update(at(id));
  // An entry that ends short of its quantity shrinks its children to what was filled.
  if (status != OrderStatus::Filled) {
    for (OrderId c : children) {
      if (c == 0 || !execution::is_open(at(c).status)) continue;
      if (at(c).filled >= parent_filled) {
        finish(c, OrderStatus::Cancelled, parent_filled == 0 ? "bracket entry not filled" : "bracket entry ended");
      } else {
        at(c).request.quantity = parent_filled;
      }
    }
  }
}

core::Quantity SimulatedBroker::fillable(const Order& o) const {
  core::Quantity q = o.remaining();
  if (o.parent != 0) {
    const Order& parent = orders_[o.parent - 1];
    const Order& sibling = orders_[o.oco_sibling - 1];
    q = std::min(q, parent.filled - o.filled - sibling.filled);
  }
  return q;
}

bool SimulatedBroker::can_trade(OrderId id, std::size_t t) const {
  const Working& w = working_[id - 1];
  const Order& o = orders_[id - 1];
  return w.active && w.eligible_from <= t && execution::is_open(o.status) &&
         view_.has_bar(o.request.instrument);
}

double SimulatedBroker::trail_level(const Order& o, const Working& w) const {
  return o.request.side == Side::Sell ? w.trail_best * (1.0 - o.request.trail_fraction)
                                      : w.trail_best * (1.0 + o.request.trail_fraction);
}

void SimulatedBroker::open_phase(OrderId id, std::size_t t) {
  const Order& o = at(id);
  const auto& r = o.request;
  const bool buy = r.side == Side::Buy;
  const double open = view_.open(r.instrument);
  const double limit = r.limit_price.to_double();
  const double stop = r.stop_price.to_double();
  switch (r.type) {
    case OrderType::Market:
    case OrderType::MarketOnOpen:
      fill(id, open, t);
      break;
    case OrderType::Limit:
      if (buy ? open <= limit : open >= limit) fill(id, open, t);
      break;
    case OrderType::Stop:
      if (buy ? open >= stop : open <= stop) fill(id, open, t);
      break;
    case OrderType::StopLimit: {
      Working& w = working(id);
      if (!w.triggered && (buy ? open >= stop : open <= stop)) w.triggered = true;
      if (w.triggered && (buy ? open <= limit : open >= limit)) fill(id, open, t);
      break;
    }
    case OrderType::TrailingStop: {
      Working& w = working(id);
      if (std::isnan(w.trail_best)) w.trail_best = open;
      const double level = trail_level(o, w);
      if (buy ? open >= level : open <= level) fill(id, open, t);
      break;
    }
    case OrderType::MarketOnClose:
      break;
  }
}

void SimulatedBroker::stop_phase(OrderId id, std::size_t t) {
  const Order& o = at(id);
  const auto& r = o.request;
  const bool buy = r.side == Side::Buy;
  const strategy::InstrumentId i = r.instrument;
  const double high = view_.high(i);
  const double low = view_.low(i);
  switch (r.type) {
    case OrderType::Stop: {
      const double stop = r.stop_price.to_double();
      if (buy ? high >= stop : low <= stop) fill(id, stop, t);
      break;
    }
    case OrderType::StopLimit: {
      Working& w = working(id);
      const double stop = r.stop_price.to_double();
      const double limit = r.limit_price.to_double();
      if (!w.triggered && (buy ? high >= stop : low <= stop)) {
        w.triggered = true;
        if (buy ? stop <= limit : stop >= limit) fill(id, stop, t);
      }
      break;
    }
    case OrderType::TrailingStop: {
      Working& w = working(id);
      const double level = trail_level(o, w);
      if (buy ? high >= level : low <= level) {
        fill(id, level, t);
      }
      // The best price moves with this bar for the next one (the order of high and low
      // within the bar is unknown, so the new level is not tested against this bar).
      if (execution::is_open(at(id).status)) {
        working(id).trail_best = buy ? std::min(working(id).trail_best, low) : std::max(working(id).trail_best, high);
      }
      break;
    }
    default:
      break;
  }
}

void SimulatedBroker::limit_phase(OrderId id, std::size_t t) {
  const Order& o = at(id);
  const auto& r = o.request;
  const bool is_limit = r.type == OrderType::Limit || (r.type == OrderType::StopLimit && working(id).triggered);
  if (!is_limit) return;
  const double limit = r.limit_price.to_double();
  if (r.side == Side::Buy ? view_.low(r.instrument) <= limit : view_.high(r.instrument) >= limit) {
    fill(id, limit, t);
  }
}

void SimulatedBroker::fill(OrderId id, double base, std::size_t t) {
  const Order& o = at(id);
  const auto& r = o.request;
  const strategy::InstrumentId i = r.instrument;
  const bool buy = r.side == Side::Buy;
  core::Quantity qty = fillable(o);
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
  const double slip = slippage_fraction(config_.slippage, view_, i, static_cast<double>(qty));
  double price_d = buy ? base * (1.0 + slip) : base * (1.0 - slip);
  if (r.type == OrderType::Limit || r.type == OrderType::StopLimit) {
    const double limit = r.limit_price.to_double();
    price_d = buy ? std::min(price_d, limit) : std::max(price_d, limit);
  }
  const core::Price price = core::Price::round(price_d);

  // What the account allows.
  const core::Quantity wanted = qty;
  std::string shortfall;
  if (!buy && !portfolio_->config().allow_short) {
    const core::Quantity held = std::max<core::Quantity>(0, portfolio_->position(i).quantity);
    if (qty > held) {
      qty = held;
      shortfall = "no more shares to sell (short selling is disabled)";
    }
  }
  core::Money fee = commission(config_.commission, r.side, static_cast<double>(qty) * factor, core::notional(price, qty));
  if (buy) {
    const core::Money cash = portfolio_->cash();
    while (qty > 0 && core::notional(price, qty) + fee > cash) {
      const core::Quantity affordable = core::shares_for(cash - fee, price);
      qty = affordable < qty ? std::max<core::Quantity>(0, affordable) : qty - 1;
      fee = commission(config_.commission, r.side, static_cast<double>(qty) * factor, core::notional(price, qty));
      shortfall = "insufficient cash";
    }
  }
  if (qty <= 0) {
    finish(id, OrderStatus::Cancelled, shortfall);
    return;
  }
  if (config_.participation_cap > 0) used_[i] += static_cast<double>(qty);

  const core::Money value = core::notional(price, qty);
  {
    Order& mo = at(id);
    mo.filled += qty;
    mo.filled_value += value;
    mo.commission += fee;
    (void)execution::transition(mo, mo.filled == mo.request.quantity ? OrderStatus::Filled : OrderStatus::PartiallyFilled,
                                panel_->dates()[t]);
    if (mo.status == OrderStatus::Filled) {
      if (const auto it = std::lower_bound(open_.begin(), open_.end(), id); it != open_.end() && *it == id) {
        open_.erase(it);
      }
    }
  }
  const execution::Fill f{.order = id, .instrument = i, .side = r.side, .quantity = qty, .price = price,
                          .commission = fee, .date = panel_->dates()[t], .tag = r.tag};
  listener_->on_fill(f);
  listener_->on_order_update(at(id));
  if (qty < wanted && execution::is_open(at(id).status)) {
    finish(id, OrderStatus::Cancelled, shortfall);
  }
  after_fill(id, t);
}

void SimulatedBroker::after_fill(OrderId id, std::size_t t) {
  const Order& o = at(id);
  for (OrderId c : {o.take_profit_child, o.stop_loss_child}) {
    if (c == 0 || !execution::is_open(at(c).status) || working(c).active) continue;
    working(c).active = true;
    working(c).eligible_from = t + 1;
  }
  if (o.parent != 0) {
    const Order& parent = at(o.parent);
    const OrderId sibling = o.oco_sibling;
    const bool exhausted = o.status == OrderStatus::Filled ||
                           (!execution::is_open(parent.status) && o.filled + at(sibling).filled >= parent.filled);
    if (exhausted && execution::is_open(at(sibling).status)) {
      finish(sibling, OrderStatus::Cancelled, fmt::format("oco: {} filled", execution::to_string(o.request.tag)));
    }
  }
}

void SimulatedBroker::process_bar(std::size_t t) {
  session_ = t;
  next_eligible_ = t + 1;
  view_.set_today(t);
  if (open_.empty()) return;
  // Iterate over a snapshot: fills may cancel or add orders (those wait for the next bar).
  ids_.assign(open_.begin(), open_.end());
  const auto& ids = ids_;
  for (OrderId id : ids) {
    if (can_trade(id, t)) open_phase(id, t);
  }
  for (OrderId id : ids) {
    if (can_trade(id, t)) stop_phase(id, t);
  }
  for (OrderId id : ids) {
    if (can_trade(id, t)) limit_phase(id, t);
  }
  for (OrderId id : ids) {
    if (can_trade(id, t) && at(id).request.type == OrderType::MarketOnClose) fill(id, view_.close(at(id).request.instrument), t);
  }
  for (OrderId id : ids) {
    const Order& o = at(id);
    if (!execution::is_open(o.status) || o.request.tif != execution::TimeInForce::Day) continue;
    const Working& w = working(id);
    if (!w.active || w.eligible_from > t) continue;
    finish(id, OrderStatus::Expired,
           view_.has_bar(o.request.instrument)
               ? std::string("day order not filled")
               : fmt::format("no bar for {} on {}", panel_->tickers()[o.request.instrument], panel_->dates()[t].to_string()));
  }
}

}  // namespace kestrel::sim
