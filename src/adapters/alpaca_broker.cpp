#include "adapters/alpaca_broker.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include <fmt/format.h>

namespace kestrel::adapters {

using execution::OrderEventKind;

namespace {

bool accepted_like(std::string_view s) {
  return s == "new" || s == "accepted" || s == "pending_new" || s == "accepted_for_bidding" || s == "calculated" ||
         s == "held" || s == "partially_filled";
}

bool open_at_alpaca(std::string_view s) {
  return accepted_like(s) || s == "pending_cancel" || s == "pending_replace" || s == "stopped" || s == "suspended";
}

}  // namespace

AlpacaBroker::AlpacaBroker(AlpacaSettings settings, std::vector<std::string> tickers, execution::ExecutionEventSink& sink,
                           SleepClock& sleep, const core::Clock& clock, LogSink log)
    : settings_(std::move(settings)),
      tickers_(std::move(tickers)),
      sink_(&sink),
      sleep_(&sleep),
      clock_(&clock),
      log_(std::move(log)),
      rest_(settings_, sleep, log_) {
  for (std::size_t i = 0; i < tickers_.size(); ++i) by_symbol_.emplace(tickers_[i], static_cast<execution::InstrumentId>(i));
}

AlpacaBroker::~AlpacaBroker() { stop_stream(); }

std::optional<execution::InstrumentId> AlpacaBroker::instrument_of(const std::string& symbol) const {
  const auto it = by_symbol_.find(symbol);
  if (it == by_symbol_.end()) return std::nullopt;
  return it->second;
}

void AlpacaBroker::emit(execution::OrderEvent event) { sink_->on_order_event(std::move(event)); }

void AlpacaBroker::adopt(const execution::Order& order, const alpaca::Order& at_alpaca) {
  Tracked& t = by_client_id_[order.request.client_order_id];
  t.local = order.id;
  t.client_order_id = order.request.client_order_id;
  t.alpaca_id = at_alpaca.id;
  client_id_by_alpaca_id_[at_alpaca.id] = t.client_order_id;
  // Legs: Alpaca names them; the kernel's children are "<entry>-tp" and "<entry>-sl".
  for (const auto& leg : at_alpaca.legs) {
    const bool take_profit = leg.type == "limit";
    const execution::OrderId child = take_profit ? order.take_profit_child : order.stop_loss_child;
    if (child == 0) continue;
    const std::string cid = order.request.client_order_id + (take_profit ? "-tp" : "-sl");
    Tracked& c = by_client_id_[cid];
    c.local = child;
    c.client_order_id = cid;
    c.alpaca_id = leg.id;
    client_id_by_alpaca_id_[leg.id] = cid;
  }
}

void AlpacaBroker::track(const execution::Order& order, core::Quantity filled, core::Money filled_value) {
  std::lock_guard lock(mutex_);
  Tracked& t = by_client_id_[order.request.client_order_id];
  t.local = order.id;
  t.client_order_id = order.request.client_order_id;
  t.filled = filled;
  t.filled_value = filled_value.to_double();
}

void AlpacaBroker::apply(const alpaca::Order& o, std::string_view execution_id, core::UnixNanos ts) {
  std::string cid;
  if (by_client_id_.contains(o.client_order_id)) {
    cid = o.client_order_id;
  } else if (const auto it = client_id_by_alpaca_id_.find(o.id); it != client_id_by_alpaca_id_.end()) {
    cid = it->second;
  } else {
    if (log_) log_(fmt::format("alpaca: an update for an order this node did not place ({} {} {})", o.symbol, o.side, o.id));
    return;
  }
  Tracked& t = by_client_id_[cid];
  if (t.alpaca_id.empty()) {
    t.alpaca_id = o.id;
    client_id_by_alpaca_id_[o.id] = cid;
  }
  if (ts == 0) ts = o.updated_at != 0 ? o.updated_at : clock_->now();
  if (accepted_like(o.status) && o.filled_qty == 0) {
    emit(execution::status_event(OrderEventKind::Accepted, t.local, cid, ts));
  }
  if (o.filled_qty > t.filled) {
    // Only what is new since the last update booked, priced so the totals match Alpaca's.
    const core::Quantity qty = o.filled_qty - t.filled;
    const double total = o.filled_avg_price * static_cast<double>(o.filled_qty);
    const double price = (total - t.filled_value) / static_cast<double>(qty);
    execution::OrderEvent fill = execution::status_event(OrderEventKind::Fill, t.local, cid, ts);
    fill.execution_id = !execution_id.empty() ? std::string(execution_id) : fmt::format("{}:{}", o.id, o.filled_qty);
    fill.quantity = qty;
    fill.price = core::Price::round(price);
    fill.commission = {};  // commission-free; regulatory fees are account activities
    t.filled = o.filled_qty;
    t.filled_value = total;
    emit(std::move(fill));
  }
  if (!t.done) {
    if (o.status == "canceled") {
      t.done = true;
      emit(execution::status_event(OrderEventKind::Cancelled, t.local, cid, ts, "canceled at Alpaca"));
    } else if (o.status == "expired" || o.status == "done_for_day") {
      t.done = true;
      emit(execution::status_event(OrderEventKind::Expired, t.local, cid, ts, fmt::format("{} at Alpaca", o.status)));
    } else if (o.status == "rejected") {
      t.done = true;
      emit(execution::status_event(OrderEventKind::Rejected, t.local, cid, ts, "rejected by Alpaca"));
    } else if (o.status == "filled") {
      t.done = true;
    }
  }
  for (const auto& leg : o.legs) apply(leg, {}, ts);
}

core::Result<std::optional<alpaca::Order>> AlpacaBroker::look_up(const std::string& client_order_id) {
  core::Error last{"no attempt", core::ErrorKind::Unavailable};
  for (int attempt = 0; attempt < std::max(1, settings_.lookup_attempts); ++attempt) {
    if (attempt > 0) sleep_->sleep_for(settings_.lookup_backoff * attempt);
    auto found = rest_.order_by_client_id(client_order_id);
    if (found) return found;
    last = found.error();
    if (last.kind != core::ErrorKind::Unavailable && last.kind != core::ErrorKind::Throttled) break;
  }
  return std::unexpected(last);
}

core::Status AlpacaBroker::submit(const execution::Order& order) {
  std::lock_guard lock(mutex_);
  const auto& r = order.request;
  const core::UnixNanos now = clock_->now();
  if (r.instrument >= tickers_.size()) {
    emit(execution::status_event(OrderEventKind::Rejected, order.id, r.client_order_id, now,
                                 fmt::format("no symbol for instrument {}", r.instrument)));
    return {};
  }
  auto body = alpaca::order_body(r, tickers_[r.instrument]);
  if (!body) {
    emit(execution::status_event(OrderEventKind::Rejected, order.id, r.client_order_id, now, body.error().message));
    return {};
  }
  for (int attempt = 0; attempt < std::max(1, settings_.lookup_attempts); ++attempt) {
    auto placed = rest_.submit(*body);
    if (placed) {
      adopt(order, *placed);
      apply(*placed, {}, placed->updated_at);
      return {};
    }
    const core::Error& e = placed.error();
    if (e.kind == core::ErrorKind::Rejected && e.message.find("client_order_id must be unique") != std::string::npos) {
      // Alpaca has an order with this id already: ours, from an earlier attempt.
      auto found = look_up(r.client_order_id);
      if (found && *found) {
        adopt(order, **found);
        apply(**found, {}, (*found)->updated_at);
        return {};
      }
    }
    if (e.kind == core::ErrorKind::Rejected || e.kind == core::ErrorKind::NotFound || e.kind == core::ErrorKind::Throttled) {
      // Not placed (a 429 that outlasted the waits was not processed either).
      emit(execution::status_event(OrderEventKind::Rejected, order.id, r.client_order_id, now, e.message));
      return {};
    }
    // A 5xx or no reply: the order may or may not be at Alpaca. Never send it again blindly.
    if (log_) log_(fmt::format("alpaca: order {}: {}; looking it up", r.client_order_id, e.message));
    auto found = look_up(r.client_order_id);
    if (!found) {
      return core::fail_as(core::ErrorKind::Unavailable,
                           "alpaca: order {}: outcome unknown ({}; the lookup failed too: {}); a sweep will settle it",
                           r.client_order_id, e.message, found.error().message);
    }
    if (*found) {
      adopt(order, **found);
      apply(**found, {}, (*found)->updated_at);
      return {};
    }
    // Alpaca does not have it: sending it again cannot duplicate it.
  }
  return core::fail_as(core::ErrorKind::Unavailable, "alpaca: order {}: not accepted after {} attempts", r.client_order_id,
                       settings_.lookup_attempts);
}

core::Status AlpacaBroker::cancel(const execution::Order& order) {
  std::lock_guard lock(mutex_);
  const std::string& cid = order.request.client_order_id;
  auto it = by_client_id_.find(cid);
  std::string alpaca_id = it != by_client_id_.end() ? it->second.alpaca_id : std::string();
  if (alpaca_id.empty()) {
    auto found = look_up(cid);
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      emit(execution::status_event(OrderEventKind::CancelRejected, order.id, cid, clock_->now(), "unknown at Alpaca"));
      return {};
    }
    adopt(order, **found);
    alpaca_id = (*found)->id;
  }
  auto done = rest_.cancel(alpaca_id);
  if (done) return {};  // "canceled" arrives on the stream (or with the next sweep)
  if (done.error().kind == core::ErrorKind::Rejected || done.error().kind == core::ErrorKind::NotFound) {
    emit(execution::status_event(OrderEventKind::CancelRejected, order.id, cid, clock_->now(), done.error().message));
    // It may have filled meanwhile: bring it up to date.
    if (auto found = look_up(cid); found && *found) apply(**found, {}, (*found)->updated_at);
    return {};
  }
  return std::unexpected(done.error());
}

core::Status AlpacaBroker::sweep() {
  std::lock_guard lock(mutex_);
  for (auto& [cid, t] : by_client_id_) {
    if (t.done) continue;
    auto found = look_up(cid);
    if (!found) return core::fail_as(found.error().kind, "alpaca: sweep: {}", found.error().message);
    if (*found) apply(**found, {}, (*found)->updated_at);
  }
  return {};
}

void AlpacaBroker::on_trade_update(const nlohmann::json& data) {
  auto update = alpaca::parse_trade_update(data);
  if (!update) {
    if (log_) log_(fmt::format("alpaca stream: {}", update.error().message));
    return;
  }
  std::lock_guard lock(mutex_);
  apply(update->order, update->execution_id, update->timestamp);
}

void AlpacaBroker::start_stream() {
  if (stream_) return;
  AlpacaStream::Callbacks callbacks;
  callbacks.trade_update = [this](const nlohmann::json& data) { on_trade_update(data); };
  callbacks.connected = [this] {
    // Nothing sent while nobody listened is replayed: catch up over REST.
    if (auto s = sweep(); !s && log_) log_(fmt::format("alpaca: sweep after (re)connecting failed: {}", s.error().message));
  };
  callbacks.log = log_;
  stream_ = std::make_unique<AlpacaStream>(settings_, std::move(callbacks));
  stream_->start();
}

void AlpacaBroker::stop_stream() {
  if (stream_) stream_->stop();
}

core::Result<std::vector<execution::VenueOrder>> AlpacaBroker::open_orders() {
  std::lock_guard lock(mutex_);
  auto orders = rest_.orders("open");
  if (!orders) return std::unexpected(orders.error());
  std::vector<execution::VenueOrder> out;
  for (const auto& o : *orders) {
    if (!open_at_alpaca(o.status)) continue;
    const auto i = instrument_of(o.symbol);
    out.push_back({.client_order_id = o.client_order_id, .instrument = i.value_or(0),
                   .side = o.side == "sell" ? execution::Side::Sell : execution::Side::Buy, .quantity = o.qty,
                   .filled = o.filled_qty,
                   .status = o.filled_qty > 0 ? execution::OrderStatus::PartiallyFilled : execution::OrderStatus::Accepted});
  }
  return out;
}

core::Result<std::vector<execution::VenuePosition>> AlpacaBroker::positions() {
  std::lock_guard lock(mutex_);
  auto positions = rest_.positions();
  if (!positions) return std::unexpected(positions.error());
  std::vector<execution::VenuePosition> out;
  for (const auto& p : *positions) {
    const auto i = instrument_of(p.symbol);
    if (!i) return core::fail("alpaca: a position in {}, which is not in the node's data", p.symbol);
    out.push_back({.instrument = *i, .quantity = p.qty,
                   .cost = core::Money::round(p.avg_entry_price * static_cast<double>(p.qty))});
  }
  return out;
}

core::Result<execution::VenueAccount> AlpacaBroker::account() {
  std::lock_guard lock(mutex_);
  auto a = rest_.account();
  if (!a) return std::unexpected(a.error());
  return execution::VenueAccount{.cash = core::Money::round(a->cash), .equity = core::Money::round(a->equity)};
}

core::Status AlpacaBroker::cancel_all_and_verify(std::chrono::milliseconds verify_for) {
  if (auto s = rest_.cancel_all_orders(); !s) return core::fail_as(s.error().kind, "kill switch at Alpaca: {}", s.error().message);
  const auto deadline = std::chrono::steady_clock::now() + verify_for;
  for (;;) {
    auto open = rest_.orders("open");
    // A failed query proves nothing: never read it as "all cancelled".
    if (!open) return core::fail_as(open.error().kind, "kill switch at Alpaca: cannot verify: {}", open.error().message);
    if (open->empty()) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string list;
      for (const auto& o : *open) list += fmt::format("{}{} {} ({})", list.empty() ? "" : ", ", o.symbol, o.client_order_id, o.status);
      return core::fail("kill switch at Alpaca: {} order(s) still open after cancelling all: {}", open->size(), list);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace kestrel::adapters
