#pragma once
// The broker seam: the simulated venue (backtest and paper) and real brokers implement it, so
// strategies and the engine run unchanged across modes.
#include <string_view>

#include "core/error.hpp"
#include "execution/order.hpp"

namespace kestrel::execution {

// Receives order updates and fills as the venue produces them.
class ExecutionListener {
 public:
  virtual ~ExecutionListener() = default;
  virtual void on_order_update(const Order& order) = 0;
  virtual void on_fill(const Fill& fill) = 0;
};

class ExecutionClient {
 public:
  virtual ~ExecutionClient() = default;
  // Submitting a client_order_id again returns the existing order (retries are safe); reusing
  // one for a different request is an error.
  virtual core::Result<OrderId> submit(const OrderRequest& request) = 0;
  virtual core::Status cancel(OrderId id, std::string_view reason) = 0;
  virtual const Order* order(OrderId id) const = 0;
  virtual const Order* find(std::string_view client_order_id) const = 0;
};

}  // namespace kestrel::execution
