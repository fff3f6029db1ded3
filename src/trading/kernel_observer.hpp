#pragma once
// What the kernel tells the world: the backtest's recorder and the node's journal implement
// this. Calls come in the order things happened, on the kernel's thread.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "execution/order.hpp"
#include "execution/order_event.hpp"
#include "portfolio/portfolio.hpp"
#include "risk/risk_manager.hpp"

namespace kestrel::trading {

class KernelObserver {
 public:
  virtual ~KernelObserver() = default;
  // A new order in the order store (not yet sent; its children follow as their own calls).
  virtual void on_order_created(const execution::Order&) {}
  // Orders about to be handed to the venue, in sending order. A journal commits them here;
  // an error keeps every one of them unsent (and stops the kernel).
  virtual core::Status before_send(std::span<const execution::OrderId>) { return {}; }
  // After the order store applied the event (local ones included); `order` is the new state.
  virtual void on_order_event(const execution::Order&, const execution::OrderEvent&) {}
  // A fill booked in the portfolio (after on_order_event for the same event).
  virtual void on_fill(const execution::Fill&) {}
  // A round trip closed by `fill`.
  virtual void on_round_trip(const portfolio::RoundTrip&, const execution::Fill&) {}
  virtual void on_risk_event(const risk::RiskEvent&) {}
  // What the kernel decided for the strategy: "targets" (the weights it turns into orders),
  // "refused" (an entry the gate refused), with a line for a person.
  virtual void on_decision(std::string_view, const std::string&) {}
  // Bar t's close is done: positions marked, rules applied, the strategy's orders sent.
  virtual void on_session_closed(std::size_t) {}
};

}  // namespace kestrel::trading
