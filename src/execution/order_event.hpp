#pragma once
// What happens to an order, as events. The local order store (order_store.hpp) changes an
// order's state only by applying these, whether they come from the kernel itself (submitted,
// cancel requested) or from the venue (accepted, filled, cancelled, …). Events carry a
// timestamp (nanoseconds, UTC), not just a date: a fill at the open and a stop hit the same
// afternoon are two different moments of one day.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/fixed_point.hpp"
#include "execution/order.hpp"

namespace kestrel::execution {

enum class OrderEventKind : std::uint8_t {
  // Local: the kernel's own actions on the order.
  Submitted,        // handed to the venue (after it was journaled)
  CancelRequested,  // cancel sent; a fill may still arrive before the venue confirms
  // From the venue.
  Accepted,
  Rejected,
  Fill,             // partial or complete; execution_id makes it unique
  Cancelled,
  Expired,
  CancelRejected,   // the venue refused the cancel (usually: it had already filled)
};
std::string_view to_string(OrderEventKind kind);
// Inverse of to_string (for the journal); nullopt for an unknown name.
std::optional<OrderEventKind> order_event_kind_from(std::string_view name);

struct OrderEvent {
  OrderEventKind kind = OrderEventKind::Accepted;
  OrderId order = 0;            // the local id when the venue echoes it; 0: look up by client id
  std::string client_order_id;  // the key every venue knows the order by
  core::UnixNanos ts = 0;
  // Fill only.
  std::string execution_id;     // unique per fill at the venue: a repeated one is ignored
  core::Quantity quantity = 0;  // shares in this fill
  core::Price price{};
  core::Money commission{};
  // Rejected / Cancelled / Expired / CancelRejected: why, in the venue's words.
  std::string reason;
};

// An event without fill fields (everything but Fill).
inline OrderEvent status_event(OrderEventKind kind, OrderId order, std::string client_order_id, core::UnixNanos ts,
                               std::string reason = {}) {
  OrderEvent e;
  e.kind = kind;
  e.order = order;
  e.client_order_id = std::move(client_order_id);
  e.ts = ts;
  e.reason = std::move(reason);
  return e;
}

}  // namespace kestrel::execution
