#include "execution/order.hpp"

namespace kestrel::execution {

std::string_view to_string(Side side) { return side == Side::Buy ? "buy" : "sell"; }

std::string_view to_string(OrderType type) {
  switch (type) {
    case OrderType::Market: return "market";
    case OrderType::Limit: return "limit";
    case OrderType::Stop: return "stop";
    case OrderType::StopLimit: return "stop_limit";
    case OrderType::TrailingStop: return "trailing_stop";
    case OrderType::MarketOnOpen: return "moo";
    case OrderType::MarketOnClose: return "moc";
  }
  return "?";
}

std::string_view to_string(TimeInForce tif) { return tif == TimeInForce::Day ? "day" : "gtc"; }

std::string_view to_string(OrderStatus status) {
  switch (status) {
    case OrderStatus::New: return "new";
    case OrderStatus::Submitted: return "submitted";
    case OrderStatus::PendingCancel: return "pending_cancel";
    case OrderStatus::Accepted: return "accepted";
    case OrderStatus::PartiallyFilled: return "partially_filled";
    case OrderStatus::Filled: return "filled";
    case OrderStatus::Cancelled: return "cancelled";
    case OrderStatus::Expired: return "expired";
    case OrderStatus::Rejected: return "rejected";
  }
  return "?";
}

std::string_view to_string(OrderTag tag) {
  switch (tag) {
    case OrderTag::Signal: return "signal";
    case OrderTag::Rebalance: return "rebalance";
    case OrderTag::Stop: return "stop";
    case OrderTag::TrailingStop: return "trailing_stop";
    case OrderTag::TimeStop: return "time_stop";
    case OrderTag::TakeProfit: return "take_profit";
    case OrderTag::StopLoss: return "stop_loss";
    case OrderTag::End: return "end";
  }
  return "?";
}

std::string_view to_string(OrderOrigin origin) {
  switch (origin) {
    case OrderOrigin::Strategy: return "strategy";
    case OrderOrigin::Protective: return "protective";
    case OrderOrigin::KillSwitch: return "kill_switch";
  }
  return "?";
}

bool is_open(OrderStatus status) {
  return status != OrderStatus::Filled && status != OrderStatus::Cancelled && status != OrderStatus::Expired &&
         status != OrderStatus::Rejected;
}

core::Status check_transition(OrderStatus from, OrderStatus to) {
  bool ok = false;
  switch (from) {
    case OrderStatus::New:
      ok = to == OrderStatus::Submitted || to == OrderStatus::Accepted || to == OrderStatus::Cancelled ||
           to == OrderStatus::Rejected;
      break;
    case OrderStatus::Submitted:
      ok = to == OrderStatus::Accepted || to == OrderStatus::PartiallyFilled || to == OrderStatus::Filled ||
           to == OrderStatus::PendingCancel || to == OrderStatus::Cancelled || to == OrderStatus::Expired ||
           to == OrderStatus::Rejected;
      break;
    case OrderStatus::Accepted:
    case OrderStatus::PartiallyFilled:
      ok = to == OrderStatus::PartiallyFilled || to == OrderStatus::Filled || to == OrderStatus::PendingCancel ||
           to == OrderStatus::Cancelled || to == OrderStatus::Expired || to == OrderStatus::Rejected;
      break;
    case OrderStatus::PendingCancel:
      ok = to == OrderStatus::Filled || to == OrderStatus::Accepted || to == OrderStatus::PartiallyFilled ||
           to == OrderStatus::Cancelled || to == OrderStatus::Expired;
      break;
    case OrderStatus::Filled:
    case OrderStatus::Cancelled:
    case OrderStatus::Expired:
    case OrderStatus::Rejected:
      break;
  }
  if (!ok) return core::fail("invalid order transition {} -> {}", to_string(from), to_string(to));
  return {};
}

core::Status transition(Order& order, OrderStatus to, core::UnixNanos ts) {
  if (auto s = check_transition(order.status, to); !s) {
    return core::fail("order {} ({}): {}", order.id, order.request.client_order_id, s.error().message);
  }
  order.status = to;
  order.updated_ns = ts;
  order.last_update = core::date_of(ts);
  return {};
}

core::Status validate(const OrderRequest& r) {
  if (r.quantity <= 0) return core::fail("quantity: must be positive, got {}", r.quantity);
  const bool needs_limit = r.type == OrderType::Limit || r.type == OrderType::StopLimit;
  const bool needs_stop = r.type == OrderType::Stop || r.type == OrderType::StopLimit;
  if (needs_limit && r.limit_price.raw() <= 0) {
    return core::fail("limit_price: a {} order needs a positive limit price", to_string(r.type));
  }
  if (needs_stop && r.stop_price.raw() <= 0) {
    return core::fail("stop_price: a {} order needs a positive stop price", to_string(r.type));
  }
  if (r.type == OrderType::TrailingStop && !(r.trail_fraction > 0 && r.trail_fraction < 1)) {
    return core::fail("trail_fraction: must be in (0, 1), got {}", r.trail_fraction);
  }
  if (r.bracket) {
    const auto& b = *r.bracket;
    if (b.stop_loss.raw() <= 0 || b.take_profit.raw() < 0) {
      return core::fail("bracket: stop_loss must be a positive price (and take_profit positive, or 0 for none)");
    }
    // A long bracket takes profit above and stops out below; a short one the other way round.
    const bool ordered = b.take_profit.is_zero() ||
                         (r.side == Side::Buy ? b.stop_loss < b.take_profit : b.take_profit < b.stop_loss);
    if (!ordered) {
      return core::fail("bracket: for a {} entry the stop_loss ({}) must be on the losing side of "
                        "take_profit ({})",
                        to_string(r.side), core::to_string(b.stop_loss), core::to_string(b.take_profit));
    }
  }
  return {};
}

}  // namespace kestrel::execution
