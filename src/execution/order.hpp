#pragma once
// Orders and their life cycle. One Order type serves every venue (simulated or a real
// broker); the venue decides when it fills. Instruments are dense indices (the panel's ticker
// order) so the hot path never hashes strings; the symbol is looked up only when recording.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "core/fixed_point.hpp"

namespace kestrel::execution {

using InstrumentId = std::uint32_t;
// Sequence number assigned on submission (1, 2, …): orders with equal timestamps are
// processed in this order. 0 means "none".
using OrderId = std::uint64_t;

enum class Side : std::uint8_t { Buy, Sell };
enum class OrderType : std::uint8_t {
  Market,         // next available price (the open of the next bar in a daily backtest)
  Limit,          // at limit_price or better
  Stop,           // becomes a market order once the price trades through stop_price
  StopLimit,      // becomes a limit order at limit_price once stop_price trades
  TrailingStop,   // a stop that follows the best price since acceptance by trail_fraction
  MarketOnOpen,   // the opening auction
  MarketOnClose,  // the closing auction
};
enum class TimeInForce : std::uint8_t {
  Day,  // expires at the end of the first session it could trade in
  Gtc,  // good till cancelled
};
enum class OrderStatus : std::uint8_t {
  New,              // in the local order store (and journal), not yet sent
  Submitted,        // sent; the venue has not answered yet
  Accepted,         // working at the venue
  PartiallyFilled,  // some shares filled, the rest still working
  PendingCancel,    // cancel requested, not confirmed: a fill may still arrive
  Filled,
  Cancelled,
  Expired,
  Rejected,
};
// Who placed an order, which decides whether the risk manager sees it: every order a
// strategy places is checked, whatever its tag; the kernel's protective exits only reduce
// risk and are not.
enum class OrderOrigin : std::uint8_t {
  Strategy,    // submit() or target weights
  Protective,  // trade-rule stops and exits, bracket children
  KillSwitch,  // flattening when the kill switch is engaged
};
// Why an order exists; a closed trade reports the tag of the order that closed it.
enum class OrderTag : std::uint8_t {
  Signal,        // placed by the strategy
  Rebalance,     // from target weights
  Stop,          // trade rule: initial/break-even stop
  TrailingStop,  // trade rule: trailing stop
  TimeStop,      // trade rule: no profit after N days
  TakeProfit,    // bracket child
  StopLoss,      // bracket child
  End,           // closing out at the end of a run
};

std::string_view to_string(Side side);
std::string_view to_string(OrderType type);
std::string_view to_string(TimeInForce tif);
std::string_view to_string(OrderStatus status);
std::string_view to_string(OrderTag tag);
std::string_view to_string(OrderOrigin origin);

// Take-profit (limit) and stop-loss (stop) children of a bracket: they become active once the
// entry fills, for the filled quantity, and are one-cancels-the-other. Without a take-profit
// (0) it is a one-triggers-other order: the entry and its protective stop.
struct Bracket {
  core::Price take_profit{};  // 0: none
  core::Price stop_loss{};

  bool operator==(const Bracket&) const = default;
};

struct OrderRequest {
  std::string client_order_id{};  // idempotency key; empty: the venue assigns one
  InstrumentId instrument = 0;
  Side side = Side::Buy;
  core::Quantity quantity = 0;  // > 0 shares
  OrderType type = OrderType::Market;
  TimeInForce tif = TimeInForce::Day;
  core::Price limit_price{};      // Limit, StopLimit
  core::Price stop_price{};       // Stop, StopLimit
  double trail_fraction = 0;    // TrailingStop: 0.02 = 2% behind the best price
  std::optional<Bracket> bracket{};
  OrderTag tag = OrderTag::Signal;

  bool operator==(const OrderRequest&) const = default;
};

struct Order {
  OrderId id = 0;
  OrderRequest request;
  OrderOrigin origin = OrderOrigin::Strategy;
  OrderStatus status = OrderStatus::New;
  core::Quantity filled = 0;
  core::Money filled_value{};  // Σ price × shares, for the average price
  core::Money commission{};
  core::Date submitted{};    // trading date the order was created (decided)
  core::Date last_update{};  // trading date of its last event
  core::UnixNanos created_ns = 0;
  core::UnixNanos updated_ns = 0;
  std::string reason{};  // why rejected, cancelled or expired
  // Bracket links: the entry names its children; each child names its parent and sibling.
  OrderId parent = 0;
  OrderId take_profit_child = 0;
  OrderId stop_loss_child = 0;
  OrderId oco_sibling = 0;

  core::Quantity remaining() const { return request.quantity - filled; }
  double average_price() const {
    return filled > 0 ? filled_value.to_double() / static_cast<double>(filled) : 0.0;
  }
};

// Not in a final state: the order may still fill (New and PendingCancel included).
bool is_open(OrderStatus status);
// Valid moves (anything else is an error naming both states; final states never change):
//   New → Submitted | Accepted | Cancelled | Rejected   (Cancelled: withdrawn before sending)
//   Submitted → Accepted | PartiallyFilled | Filled | PendingCancel | Cancelled | Expired | Rejected
//   Accepted, PartiallyFilled → PartiallyFilled | Filled | PendingCancel | Cancelled | Expired | Rejected
//   PendingCancel → Filled (the late fill) | Accepted, PartiallyFilled (cancel refused) |
//                   Cancelled | Expired; a partial late fill leaves it pending
core::Status check_transition(OrderStatus from, OrderStatus to);
// Applies check_transition and records the time.
core::Status transition(Order& order, OrderStatus to, core::UnixNanos ts);

// Checks that a request is complete and consistent (quantity, prices for its type, bracket
// prices on the right side). The message names the offending field.
core::Status validate(const OrderRequest& request);

struct Fill {
  OrderId order = 0;
  std::string execution_id;  // the venue's id of this fill
  InstrumentId instrument = 0;
  Side side = Side::Buy;
  core::Quantity quantity = 0;  // > 0
  core::Price price{};
  core::Money commission{};  // commission and fees
  core::Date date{};
  core::UnixNanos ts = 0;
  OrderTag tag = OrderTag::Signal;
};

// Signed quantity: + for buys, − for sells.
inline core::Quantity signed_quantity(Side side, core::Quantity q) { return side == Side::Buy ? q : -q; }

}  // namespace kestrel::execution
