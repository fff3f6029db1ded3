#include "adapters/alpaca_wire.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace kestrel::adapters::alpaca {
namespace {

using execution::OrderType;
using execution::TimeInForce;

// Alpaca's decimals arrive as strings, sometimes as numbers, null when not applicable.
core::Result<double> decimal(const nlohmann::json& j, std::string_view field, bool required = false) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return core::fail("alpaca: field '{}' is missing", field);
    return 0.0;
  }
  if (it->is_number()) return it->get<double>();
  if (!it->is_string()) return core::fail("alpaca: field '{}' is not a number", field);
  const std::string s = it->get<std::string>();
  if (s.empty()) return 0.0;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    return core::fail("alpaca: field '{}': '{}' is not a number", field, s);
  }
  return v;
}

core::Result<core::Quantity> shares(const nlohmann::json& j, std::string_view field, bool required = false) {
  auto v = decimal(j, field, required);
  if (!v) return std::unexpected(v.error());
  if (*v != std::floor(*v)) return core::fail("alpaca: field '{}': fractional shares ({}) are not supported", field, *v);
  return static_cast<core::Quantity>(*v);
}

std::string text(const nlohmann::json& j, std::string_view field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string error_message(std::string_view body) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    if (const auto m = doc.find("message"); m != doc.end() && m->is_string()) return m->get<std::string>();
  }
  body = body.substr(0, body.find_first_of("\r\n"));
  return std::string(body.substr(0, 200));
}

namespace {

std::string_view tif_name(TimeInForce tif) { return tif == TimeInForce::Gtc ? "gtc" : "day"; }

}  // namespace

std::string format_price(core::Price price) {
  const double p = price.to_double();
  return p >= 1.0 ? fmt::format("{:.2f}", p) : fmt::format("{:.4f}", p);
}

core::Result<nlohmann::json> order_body(const execution::OrderRequest& r, std::string_view symbol) {
  if (auto valid = execution::validate(r); !valid) return std::unexpected(valid.error());
  nlohmann::json body = {{"symbol", symbol},
                         {"qty", std::to_string(r.quantity)},
                         {"side", r.side == execution::Side::Buy ? "buy" : "sell"},
                         {"client_order_id", r.client_order_id}};
  switch (r.type) {
    case OrderType::Market:
      body["type"] = "market";
      body["time_in_force"] = tif_name(r.tif);
      break;
    case OrderType::MarketOnOpen:
      body["type"] = "market";
      body["time_in_force"] = "opg";
      break;
    case OrderType::MarketOnClose:
      body["type"] = "market";
      body["time_in_force"] = "cls";
      break;
    case OrderType::Limit:
      body["type"] = "limit";
      body["time_in_force"] = tif_name(r.tif);
      body["limit_price"] = format_price(r.limit_price);
      break;
    case OrderType::Stop:
      body["type"] = "stop";
      body["time_in_force"] = tif_name(r.tif);
      body["stop_price"] = format_price(r.stop_price);
      break;
    case OrderType::StopLimit:
      body["type"] = "stop_limit";
      body["time_in_force"] = tif_name(r.tif);
      body["limit_price"] = format_price(r.limit_price);
      body["stop_price"] = format_price(r.stop_price);
      break;
    case OrderType::TrailingStop:
      body["type"] = "trailing_stop";
      body["time_in_force"] = tif_name(r.tif);
      body["trail_percent"] = fmt::format("{:.4g}", r.trail_fraction * 100.0);
      break;
  }
  if (r.bracket) {
    body["order_class"] = r.bracket->take_profit.is_zero() ? "oto" : "bracket";
    if (!r.bracket->take_profit.is_zero()) body["take_profit"] = {{"limit_price", format_price(r.bracket->take_profit)}};
    body["stop_loss"] = {{"stop_price", format_price(r.bracket->stop_loss)}};
  }
  return body;
}

core::Result<Order> parse_order(const nlohmann::json& j) {
  if (!j.is_object()) return core::fail("alpaca: an order is not a JSON object");
  Order o;
  o.id = text(j, "id");
  o.client_order_id = text(j, "client_order_id");
  o.symbol = text(j, "symbol");
  o.side = text(j, "side");
  o.type = text(j, "type");
  if (o.type.empty()) o.type = text(j, "order_type");
  o.status = text(j, "status");
  if (o.id.empty() || o.status.empty()) return core::fail("alpaca: an order without id or status: {}", j.dump());
  auto qty = shares(j, "qty");
  auto filled = shares(j, "filled_qty");
  auto average = decimal(j, "filled_avg_price");
  if (!qty) return std::unexpected(qty.error());
  if (!filled) return std::unexpected(filled.error());
  if (!average) return std::unexpected(average.error());
  o.qty = *qty;
  o.filled_qty = *filled;
  o.filled_avg_price = *average;
  if (const std::string updated = text(j, "updated_at"); !updated.empty()) {
    auto t = parse_time(updated);
    if (!t) return std::unexpected(t.error());
    o.updated_at = *t;
  }
  if (const auto legs = j.find("legs"); legs != j.end() && legs->is_array()) {
    for (const auto& leg : *legs) {
      auto parsed = parse_order(leg);
      if (!parsed) return std::unexpected(parsed.error());
      o.legs.push_back(std::move(*parsed));
    }
  }
  return o;
}

core::Result<Position> parse_position(const nlohmann::json& j) {
  Position p;
  p.symbol = text(j, "symbol");
  auto qty = shares(j, "qty", true);
  auto price = decimal(j, "avg_entry_price");
  if (!qty) return std::unexpected(qty.error());
  if (!price) return std::unexpected(price.error());
  p.qty = *qty;
  if (text(j, "side") == "short" && p.qty > 0) p.qty = -p.qty;
  p.avg_entry_price = *price;
  return p;
}

core::Result<Activity> parse_activity(const nlohmann::json& j) {
  if (!j.is_object()) return core::fail("alpaca: an activity is not an object: {}", j.dump());
  Activity a;
  a.id = text(j, "id");
  a.activity_type = text(j, "activity_type");
  if (a.id.empty() || a.activity_type.empty()) return core::fail("alpaca: an activity without id or type: {}", j.dump());
  const auto date = core::Date::parse(text(j, "date").substr(0, 10));
  if (!date) return core::fail("alpaca: activity {}: field 'date': '{}' is not a date", a.id, text(j, "date"));
  a.date = *date;
  auto amount = decimal(j, "net_amount", true);
  if (!amount) return std::unexpected(amount.error());
  a.net_amount = *amount;
  a.symbol = text(j, "symbol");
  a.description = text(j, "description");
  return a;
}

core::Result<Account> parse_account(const nlohmann::json& j) {
  Account a;
  auto cash = decimal(j, "cash", true);
  auto equity = decimal(j, "equity", true);
  auto power = decimal(j, "buying_power");
  if (!cash) return std::unexpected(cash.error());
  if (!equity) return std::unexpected(equity.error());
  if (!power) return std::unexpected(power.error());
  a.cash = *cash;
  a.equity = *equity;
  a.buying_power = *power;
  const auto blocked = j.find("trading_blocked");
  a.trading_blocked = blocked != j.end() && blocked->is_boolean() && blocked->get<bool>();
  a.status = text(j, "status");
  return a;
}

core::Result<TradeUpdate> parse_trade_update(const nlohmann::json& data) {
  TradeUpdate u;
  u.event = text(data, "event");
  if (u.event.empty()) return core::fail("alpaca: a trade update without an event: {}", data.dump());
  u.execution_id = text(data, "execution_id");
  if (const std::string ts = text(data, "timestamp"); !ts.empty()) {
    auto t = parse_time(ts);
    if (!t) return std::unexpected(t.error());
    u.timestamp = *t;
  }
  const auto order = data.find("order");
  if (order == data.end()) return core::fail("alpaca: a trade update without an order: {}", data.dump());
  auto parsed = parse_order(*order);
  if (!parsed) return std::unexpected(parsed.error());
  u.order = std::move(*parsed);
  if (u.timestamp == 0) u.timestamp = u.order.updated_at;
  return u;
}

core::Result<core::UnixNanos> parse_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  auto fail = [&] { return core::fail("alpaca: '{}' is not an RFC 3339 time", s); };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') {
    return fail();
  }
  const auto date = core::Date::parse(s.substr(0, 10));
  if (!date) return fail();
  auto number = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const char c = s[at + k];
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  const int hh = number(11, 2), mm = number(14, 2), ss = number(17, 2);
  if (hh < 0 || mm < 0 || ss < 0 || hh > 23 || mm > 59 || ss > 60) return fail();
  std::size_t i = 19;
  core::UnixNanos fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    core::UnixNanos scale = 100'000'000;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      fraction += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 <= s.size() && (s[i] == '+' || s[i] == '-')) {
    const int oh = number(i + 1, 2), om = number(i + 4, 2);
    if (oh < 0 || om < 0 || s[i + 3] != ':') return fail();
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return fail();
  }
  if (i != s.size()) return fail();
  return core::at_time_of_day(*date, hh * 3600 + mm * 60 + ss - offset) + fraction;
}

std::string format_time(core::UnixNanos t) {
  const core::Date d = core::date_of(t);
  const core::UnixNanos in_day = t - core::at_time_of_day(d, 0);
  const std::int64_t s = in_day / core::kNanosPerSecond;
  const std::int64_t nanos = in_day % core::kNanosPerSecond;
  return fmt::format("{}T{:02}:{:02}:{:02}.{:09}Z", d.to_string(), s / 3600, (s / 60) % 60, s % 60, nanos);
}

}  // namespace kestrel::adapters::alpaca
