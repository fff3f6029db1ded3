#pragma once
// Alpaca's Trading API v2 wire format, both ways: an order as the POST /v2/orders body, and
// Alpaca's order, position, account and trade_updates JSON as Kestrel values. Alpaca sends
// numbers as decimal strings ("qty": "10", "filled_avg_price": "101.37") and times as RFC 3339
// with nanoseconds ("2021-03-16T18:38:01.942282Z"); both are parsed here, with an error that
// names the field.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/date.hpp"
#include "core/error.hpp"
#include "core/fixed_point.hpp"
#include "execution/order.hpp"

namespace kestrel::adapters::alpaca {

// The message of an Alpaca error reply ({"code": 40310000, "message": "…"}, as both the Trading
// and the Market Data API send them), else the body's first line, at most 200 characters.
std::string error_message(std::string_view body);

// POST /v2/orders body for a Kestrel order on `symbol` (client_order_id, qty, side, type,
// time_in_force, limit/stop prices, trail_percent; order_class bracket/oto with its legs).
core::Result<nlohmann::json> order_body(const execution::OrderRequest& request, std::string_view symbol);

// Alpaca's order object, as far as Kestrel needs it.
struct Order {
  std::string id;               // Alpaca's id
  std::string client_order_id;
  std::string symbol;
  std::string side;             // "buy" / "sell"
  std::string type;             // "market", "limit", "stop", "stop_limit", "trailing_stop"
  std::string status;           // "new", "accepted", "partially_filled", "filled", "canceled", …
  core::Quantity qty = 0;
  core::Quantity filled_qty = 0;
  double filled_avg_price = 0;  // 0 when nothing filled
  core::UnixNanos updated_at = 0;
  std::vector<Order> legs;      // bracket / one-triggers-other children
};
core::Result<Order> parse_order(const nlohmann::json& json);

struct Position {
  std::string symbol;
  core::Quantity qty = 0;      // negative = short
  double avg_entry_price = 0;
};
core::Result<Position> parse_position(const nlohmann::json& json);

struct Account {
  double cash = 0;
  double equity = 0;
  double buying_power = 0;
  bool trading_blocked = false;
  std::string status;
};
core::Result<Account> parse_account(const nlohmann::json& json);

// One message of the trade_updates stream.
struct TradeUpdate {
  std::string event;         // new, fill, partial_fill, canceled, expired, done_for_day, rejected, replaced, …
  std::string execution_id;  // fills
  core::UnixNanos timestamp = 0;
  Order order;
};
core::Result<TradeUpdate> parse_trade_update(const nlohmann::json& data);

// A non-trade account activity (GET /v2/account/activities/FEE): {"activity_type": "FEE",
// "id": "20240105000000000::8f1c…", "date": "2024-01-05", "net_amount": "-0.03", "symbol":
// "AAPL", "qty": "10", "description": "REG fee", "status": "executed"}. The id orders the
// activities and pages through them.
struct Activity {
  std::string id;
  std::string activity_type;
  core::Date date{};
  double net_amount = 0;  // signed: a fee is negative
  std::string symbol;
  std::string description;
};
core::Result<Activity> parse_activity(const nlohmann::json& j);

// RFC 3339 time ("…Z" or "…±hh:mm") → nanoseconds since the epoch.
core::Result<core::UnixNanos> parse_time(std::string_view text);
std::string format_time(core::UnixNanos t);
// Alpaca's price strings: two decimals at or above $1, four below (sub-penny rule).
std::string format_price(core::Price price);

}  // namespace kestrel::adapters::alpaca
