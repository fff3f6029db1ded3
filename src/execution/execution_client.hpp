#pragma once
// The broker seam. The simulated venue (backtest and paper) and real brokers implement
// ExecutionClient, so the kernel and strategies run unchanged across modes.
//
// Asynchronous by contract: submit() and cancel() only say whether the request was handed
// to the venue. What the venue does with it — accepted, rejected, filled, cancelled, expired
// — arrives later as OrderEvents through the ExecutionEventSink, possibly from another thread
// and possibly out of order or twice (see order_store.hpp). A venue may deliver an event
// before submit() returns; the sink must only queue it.
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/fixed_point.hpp"
#include "execution/order.hpp"
#include "execution/order_event.hpp"

namespace kestrel::execution {

class ExecutionEventSink {
 public:
  virtual ~ExecutionEventSink() = default;
  virtual void on_order_event(OrderEvent event) = 0;
};

// The venue's own view, for reconciliation after a restart.
struct VenueOrder {
  std::string client_order_id;
  InstrumentId instrument = 0;
  Side side = Side::Buy;
  core::Quantity quantity = 0;
  core::Quantity filled = 0;
  OrderStatus status = OrderStatus::Accepted;
};

struct VenuePosition {
  InstrumentId instrument = 0;
  core::Quantity quantity = 0;  // negative = short
  core::Money cost{};           // average-cost basis, signed like quantity
};

struct VenueAccount {
  core::Money cash{};
  core::Money equity{};  // cash + positions at the venue's last marks
};

class ExecutionClient {
 public:
  virtual ~ExecutionClient() = default;
  virtual std::string_view name() const = 0;
  // Hands the order (its client_order_id is the idempotency key) to the venue. Success means
  // "sent", not "accepted". A failure of kind Unavailable means the outcome is unknown: look
  // the order up by its client order id before deciding to send it again.
  virtual core::Status submit(const Order& order) = 0;
  virtual core::Status cancel(const Order& order) = 0;
  virtual core::Result<std::vector<VenueOrder>> open_orders() = 0;
  virtual core::Result<std::vector<VenuePosition>> positions() = 0;
  virtual core::Result<VenueAccount> account() = 0;
};

}  // namespace kestrel::execution
