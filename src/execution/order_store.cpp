#include "execution/order_store.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace kestrel::execution {

const Order* OrderStore::find(std::string_view client_order_id) const {
  const auto it = by_client_id_.find(std::string(client_order_id));
  return it == by_client_id_.end() ? nullptr : &orders_[it->second - 1];
}

OrderId OrderStore::add(Order order) {
  order.id = orders_.size() + 1;
  by_client_id_.emplace(order.request.client_order_id, order.id);
  open_.push_back(order.id);  // ids only grow: open_ stays sorted
  orders_.push_back(std::move(order));
  return orders_.back().id;
}

void OrderStore::close(OrderId id) {
  if (const auto it = std::lower_bound(open_.begin(), open_.end(), id); it != open_.end() && *it == id) {
    open_.erase(it);
  }
}

core::Result<OrderId> OrderStore::create(OrderRequest request, OrderOrigin origin, core::UnixNanos ts) {
  if (auto valid = validate(request); !valid) {
    return core::fail_as(core::ErrorKind::Rejected, "order refused: {}", valid.error().message);
  }
  if (request.client_order_id.empty()) {
    request.client_order_id = fmt::format("{}-{}", prefix_, next_sequence_);
  }
  if (const Order* existing = find(request.client_order_id)) {
    // The client order id is the idempotency key: the same request again is the same order,
    // unless it was rejected (a retry must not turn a rejection into a success).
    if (existing->request != request) {
      return core::fail_as(core::ErrorKind::Rejected, "client_order_id '{}' is already used by order {} with different fields",
                           request.client_order_id, existing->id);
    }
    if (existing->status == OrderStatus::Rejected) {
      return core::fail_as(core::ErrorKind::Rejected, "order {} was rejected: {}", request.client_order_id,
                           existing->reason);
    }
    return existing->id;
  }
  ++next_sequence_;
  const core::Date date = core::date_of(ts);
  Order o;
  o.request = std::move(request);
  o.origin = origin;
  o.submitted = o.last_update = date;
  o.created_ns = o.updated_ns = ts;
  const std::optional<Bracket> bracket = o.request.bracket;
  const std::string cid = o.request.client_order_id;
  const OrderRequest entry = o.request;
  const OrderId id = add(std::move(o));
  if (bracket) {
    // The children exit what the entry fills; they work once it has filled and cancel each
    // other (one-cancels-other), as a broker's bracket order does.
    const Side exit_side = entry.side == Side::Buy ? Side::Sell : Side::Buy;
    Order tp;
    tp.request = {.client_order_id = cid + "-tp", .instrument = entry.instrument, .side = exit_side,
                  .quantity = entry.quantity, .type = OrderType::Limit, .tif = TimeInForce::Gtc,
                  .limit_price = bracket->take_profit, .tag = OrderTag::TakeProfit};
    Order sl;
    sl.request = {.client_order_id = cid + "-sl", .instrument = entry.instrument, .side = exit_side,
                  .quantity = entry.quantity, .type = OrderType::Stop, .tif = TimeInForce::Gtc,
                  .stop_price = bracket->stop_loss, .tag = OrderTag::StopLoss};
    for (Order* child : {&tp, &sl}) {
      child->origin = OrderOrigin::Protective;
      child->parent = id;
      child->submitted = child->last_update = date;
      child->created_ns = child->updated_ns = ts;
    }
    const OrderId tp_id = bracket->take_profit.is_zero() ? 0 : add(std::move(tp));
    const OrderId sl_id = add(std::move(sl));
    at(id).take_profit_child = tp_id;
    at(id).stop_loss_child = sl_id;
    if (tp_id != 0) {
      at(tp_id).oco_sibling = sl_id;
      at(sl_id).oco_sibling = tp_id;
    }
  }
  return id;
}

core::Result<AppliedEvent> OrderStore::apply(const OrderEvent& e) {
  OrderId id = 0;
  if (e.order != 0 && order(e.order) != nullptr &&
      (e.client_order_id.empty() || orders_[e.order - 1].request.client_order_id == e.client_order_id)) {
    id = e.order;
  } else if (const Order* o = find(e.client_order_id)) {
    id = o->id;
  } else {
    return core::fail_as(core::ErrorKind::NotFound, "{} event for unknown order '{}' (local id {})", to_string(e.kind),
                         e.client_order_id, e.order);
  }
  Order& o = at(id);
  AppliedEvent out{.order = id, .before = o.status, .after = o.status, .fill = std::nullopt};
  auto move_to = [&](OrderStatus to) -> core::Status {
    if (auto s = transition(o, to, e.ts); !s) return s;
    if (!is_open(to)) close(id);
    return {};
  };
  auto note = [&](std::string_view reason) {
    if (!reason.empty()) o.reason = std::string(reason);
  };
  const bool final_state = !is_open(o.status);
  switch (e.kind) {
    case OrderEventKind::Submitted:
      if (o.status != OrderStatus::New) return core::fail("order {}: submitted twice (it is {})", o.request.client_order_id, to_string(o.status));
      if (auto s = move_to(OrderStatus::Submitted); !s) return std::unexpected(s.error());
      break;
    case OrderEventKind::CancelRequested:
      if (final_state || o.status == OrderStatus::PendingCancel) {
        out.ignored = true;
      } else if (o.status == OrderStatus::New) {
        // Never sent: withdrawn locally, nothing to ask the venue.
        note(e.reason);
        if (auto s = move_to(OrderStatus::Cancelled); !s) return std::unexpected(s.error());
      } else {
        note(e.reason);
        if (auto s = move_to(OrderStatus::PendingCancel); !s) return std::unexpected(s.error());
      }
      break;
    case OrderEventKind::Accepted:
      // An acknowledgement that arrives after a fill or a cancel request changes nothing.
      if (o.status == OrderStatus::New || o.status == OrderStatus::Submitted) {
        if (auto s = move_to(OrderStatus::Accepted); !s) return std::unexpected(s.error());
      } else {
        out.ignored = true;
      }
      break;
    case OrderEventKind::Rejected:
      if (final_state || o.status == OrderStatus::PendingCancel) {
        out.ignored = true;
        break;
      }
      note(e.reason);
      if (auto s = move_to(OrderStatus::Rejected); !s) return std::unexpected(s.error());
      break;
    case OrderEventKind::Fill: {
      if (!e.execution_id.empty() && executions_.contains(e.execution_id)) {
        out.duplicate = true;
        break;
      }
      if (e.quantity <= 0) return core::fail("order {}: fill of {} shares", o.request.client_order_id, e.quantity);
      if (e.quantity > o.remaining()) {
        return core::fail("order {}: fill of {} shares but only {} remain", o.request.client_order_id, e.quantity,
                          o.remaining());
      }
      if (!e.execution_id.empty()) executions_.insert(e.execution_id);
      o.filled += e.quantity;
      o.filled_value += core::notional(e.price, e.quantity);
      o.commission += e.commission;
      if (final_state) {
        out.late = true;  // reported after the cancel/expiry: the shares are ours all the same
        o.updated_ns = e.ts;
        o.last_update = core::date_of(e.ts);
      } else if (o.filled == o.request.quantity) {
        if (auto s = move_to(OrderStatus::Filled); !s) return std::unexpected(s.error());
      } else if (o.status != OrderStatus::PendingCancel) {
        if (auto s = move_to(OrderStatus::PartiallyFilled); !s) return std::unexpected(s.error());
      } else {
        o.updated_ns = e.ts;
        o.last_update = core::date_of(e.ts);
      }
      out.fill = Fill{.order = id, .execution_id = e.execution_id, .instrument = o.request.instrument,
                      .side = o.request.side, .quantity = e.quantity, .price = e.price, .commission = e.commission,
                      .date = core::date_of(e.ts), .ts = e.ts, .tag = o.request.tag};
      break;
    }
    case OrderEventKind::Cancelled:
    case OrderEventKind::Expired:
      if (final_state) {
        out.ignored = true;
        break;
      }
      note(e.reason);
      if (auto s = move_to(e.kind == OrderEventKind::Cancelled ? OrderStatus::Cancelled : OrderStatus::Expired); !s) {
        return std::unexpected(s.error());
      }
      break;
    case OrderEventKind::CancelRejected:
      if (o.status != OrderStatus::PendingCancel) {
        out.ignored = true;
        break;
      }
      if (auto s = move_to(o.filled > 0 ? OrderStatus::PartiallyFilled : OrderStatus::Accepted); !s) {
        return std::unexpected(s.error());
      }
      break;
  }
  out.after = o.status;
  return out;
}

}  // namespace kestrel::execution
