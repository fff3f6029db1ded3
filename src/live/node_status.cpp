#include "live/node_status.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "execution/order_store.hpp"

namespace kestrel::live {
namespace {

using execution::OrderEventKind;

std::optional<execution::OrderType> type_from(const std::string& s) {
  using T = execution::OrderType;
  for (T t : {T::Market, T::Limit, T::Stop, T::StopLimit, T::TrailingStop, T::MarketOnOpen, T::MarketOnClose}) {
    if (execution::to_string(t) == s) return t;
  }
  return std::nullopt;
}

}  // namespace

core::Result<std::vector<OrderState>> order_states(const std::vector<store::JournalOrder>& orders,
                                                   const std::vector<store::JournalEvent>& events) {
  execution::OrderStore store("status");
  std::map<std::string, std::uint32_t> tickers;
  std::vector<execution::OrderId> ids;
  ids.reserve(orders.size());
  for (const auto& o : orders) {
    const auto type = type_from(o.type);
    if (!type) return core::fail("journal: order {} has an unknown type '{}'", o.client_order_id, o.type);
    const auto instrument = tickers.emplace(o.ticker, static_cast<std::uint32_t>(tickers.size())).first->second;
    execution::OrderRequest r{.client_order_id = o.client_order_id, .instrument = instrument,
                              .side = o.side == "buy" ? execution::Side::Buy : execution::Side::Sell,
                              .quantity = static_cast<core::Quantity>(o.quantity), .type = *type,
                              .tif = o.tif == "gtc" ? execution::TimeInForce::Gtc : execution::TimeInForce::Day,
                              .limit_price = core::Price::round(o.limit_price), .stop_price = core::Price::round(o.stop_price),
                              .trail_fraction = *type == execution::OrderType::TrailingStop ? 0.5 : 0.0};
    auto created = store.create(r, execution::OrderOrigin::Strategy, o.created_ns);
    if (!created) return core::fail("journal: order {}: {}", o.client_order_id, created.error().message);
    ids.push_back(*created);
  }
  for (const auto& e : events) {
    const auto kind = execution::order_event_kind_from(e.kind);
    if (!kind) return core::fail("journal: event {} has an unknown kind '{}'", e.seq, e.kind);
    execution::OrderEvent event = execution::status_event(*kind, 0, e.client_order_id, e.ts, e.reason);
    event.execution_id = e.execution_id;
    event.quantity = static_cast<core::Quantity>(e.quantity);
    event.price = core::Price::round(e.price);
    event.commission = core::Money::round(e.commission);
    if (auto applied = store.apply(event); !applied) {
      return core::fail("journal: event {}: {}", e.seq, applied.error().message);
    }
  }
  std::vector<OrderState> states;
  states.reserve(orders.size());
  const std::set<execution::OrderId> open(store.open().begin(), store.open().end());
  for (std::size_t k = 0; k < orders.size(); ++k) {
    const execution::Order& o = *store.order(ids[k]);
    states.push_back({.order = &orders[k], .status = std::string(execution::to_string(o.status)),
                      .filled = static_cast<double>(o.filled),
                      .open = open.contains(ids[k])});
  }
  return states;
}

HaltState halt_state(const std::vector<store::JournalDecision>& decisions) {
  HaltState state;
  bool reconciliation_halt = false;  // lifted by an adoption of the broker's state too
  for (const auto& d : decisions) {
    if (d.kind == "control:kill" || d.kind == "control:kill_flatten" || d.kind == "risk:drawdown_halt" ||
        d.kind == "reconcile:mismatch") {
      state.halted = true;
      state.reason = fmt::format("{} on {}: {}", d.kind, d.date.to_string(), d.detail);
      reconciliation_halt = d.kind == "reconcile:mismatch";
    } else if (d.kind == "control:resume" || d.kind == "risk:resumed" ||
               (d.kind == "reconcile:adopt" && reconciliation_halt)) {
      state.halted = false;
      state.reason.clear();
      reconciliation_halt = false;
    }
  }
  return state;
}

namespace {

core::Result<NodeStatus> read_consistent(store::Journal& journal, const std::string& run_id) {
  NodeStatus status;
  auto run = run_id.empty() ? journal.latest_run() : journal.run(run_id);
  if (!run) return std::unexpected(run.error());
  if (!*run) {
    return core::fail_as(core::ErrorKind::NotFound, "{}: no trading run in this journal{}", journal.name(),
                         run_id.empty() ? "" : " with id " + run_id);
  }
  status.run = **run;
  const std::string& id = status.run.run_id;

  auto days = journal.days(id);
  if (!days) return std::unexpected(days.error());
  status.sessions = days->size();
  if (!days->empty()) {
    status.today = days->back();
    if (days->size() >= 2) status.yesterday = (*days)[days->size() - 2];
    status.initial_equity = days->front().equity;
    for (const auto& d : *days) status.peak_equity = std::max(status.peak_equity, d.equity);
    auto positions = journal.positions(id, status.today->date);
    if (!positions) return std::unexpected(positions.error());
    status.positions = std::move(*positions);
  }

  // Open orders: the journaled events replayed into an order store.
  auto orders = journal.orders(id);
  if (!orders) return std::unexpected(orders.error());
  auto events = journal.events(id);
  if (!events) return std::unexpected(events.error());
  auto states = order_states(*orders, *events);
  if (!states) return std::unexpected(states.error());
  for (const OrderState& state : *states) {
    if (!state.open) continue;
    const store::JournalOrder& row = *state.order;
    status.open_orders.push_back({.client_order_id = row.client_order_id, .ticker = row.ticker, .side = row.side,
                                  .type = row.type, .status = state.status, .tag = row.tag, .quantity = row.quantity,
                                  .filled = state.filled, .limit_price = row.limit_price,
                                  .stop_price = row.stop_price});
  }

  auto decisions = journal.decisions(id);
  if (!decisions) return std::unexpected(decisions.error());
  const HaltState halt = halt_state(*decisions);
  status.halted = halt.halted;
  status.halt_reason = halt.reason;
  for (const auto& d : *decisions) {
    if (d.kind.starts_with("risk:") || d.kind.starts_with("reconcile:")) status.recent_risk_events.push_back(d);
  }
  if (status.recent_risk_events.size() > 5) {
    status.recent_risk_events.erase(status.recent_risk_events.begin(), status.recent_risk_events.end() - 5);
  }
  auto pending = journal.pending_controls(id);
  if (!pending) return std::unexpected(pending.error());
  status.pending_controls = pending->size();
  return status;
}

}  // namespace

core::Result<NodeStatus> read_status(store::Journal& journal, const std::string& run_id) {
  // One read transaction, so a node committing meanwhile shows whole days and orders only.
  if (auto s = journal.begin_read(); !s) return std::unexpected(s.error());
  auto status = read_consistent(journal, run_id);
  journal.end_read();
  return status;
}

}  // namespace kestrel::live
