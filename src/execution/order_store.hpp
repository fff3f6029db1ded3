#pragma once
// The local order store (OMS): every order the kernel created, in the state its events have
// brought it to. The kernel and strategies read orders from here, never from the venue, so an
// in-process simulator and a remote broker look the same to them.
//
// State changes only through apply(OrderEvent). The store tolerates what real venues do:
// duplicate events (a fill whose execution id was seen is ignored), events out of order (an
// acknowledgement after the fill, a cancel confirmation twice), and the late-fill race (a
// fill after a cancel request is applied; a fill reported after the cancel confirmation is
// applied too and flagged `late`). What it refuses is impossible: an unknown order, a fill
// beyond the order's quantity.
//
// Ids: OrderId is the local sequence (1, 2, …, creation order). The client order id, the
// key the venue knows, is "<prefix>-<sequence>" — with a prefix unique to the run, ids are
// unique across runs and restarts (the node persists the order before sending it).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "execution/order.hpp"
#include "execution/order_event.hpp"

namespace kestrel::execution {

// What applying one event did.
struct AppliedEvent {
  OrderId order = 0;
  OrderStatus before = OrderStatus::New;
  OrderStatus after = OrderStatus::New;
  std::optional<Fill> fill;  // a new fill to book
  bool duplicate = false;    // a fill already applied: nothing changed
  bool late = false;         // a fill for an order already cancelled or expired
  bool ignored = false;      // out of order and superseded (e.g. accepted after filled)
};

class OrderStore {
 public:
  explicit OrderStore(std::string id_prefix = "k") : prefix_(std::move(id_prefix)) {}

  // A New order (plus its bracket children, also New). Fails, storing nothing, for a request
  // that validate() refuses. A request whose client order id is known returns that order
  // when the request is the same (idempotent retry) — except a rejected one, which fails
  // again — and fails when it differs.
  core::Result<OrderId> create(OrderRequest request, OrderOrigin origin, core::UnixNanos ts);
  core::Result<AppliedEvent> apply(const OrderEvent& event);

  const Order* order(OrderId id) const { return id >= 1 && id <= orders_.size() ? &orders_[id - 1] : nullptr; }
  const Order* find(std::string_view client_order_id) const;
  const std::vector<Order>& orders() const { return orders_; }
  // Orders not yet in a final state (New included), ascending ids.
  std::span<const OrderId> open() const { return open_; }

  const std::string& prefix() const { return prefix_; }
  // The sequence number the next order gets (a restarted node continues from its journal).
  std::uint64_t next_sequence() const { return next_sequence_; }
  void set_next_sequence(std::uint64_t next) { next_sequence_ = next; }

 private:
  Order& at(OrderId id) { return orders_[id - 1]; }
  OrderId add(Order order);
  void close(OrderId id);

  std::string prefix_;
  std::uint64_t next_sequence_ = 1;
  std::vector<Order> orders_;
  std::vector<OrderId> open_;
  std::unordered_map<std::string, OrderId> by_client_id_;
  std::unordered_set<std::string> executions_;
};

}  // namespace kestrel::execution
