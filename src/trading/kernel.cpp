#include "trading/kernel.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace kestrel::trading {

using execution::Order;
using execution::OrderEvent;
using execution::OrderEventKind;
using execution::OrderId;
using execution::OrderOrigin;
using execution::OrderRequest;
using execution::OrderStatus;
using execution::OrderTag;
using execution::OrderType;
using execution::Side;

TradingKernel::TradingKernel(const store::Panel& panel, KernelConfig config, strategy::Strategy& strategy,
                             const core::Clock& clock)
    : panel_(&panel),
      config_(std::move(config)),
      strategy_(&strategy),
      clock_(&clock),
      portfolio_(panel.num_tickers(), config_.portfolio),
      view_(panel, 0),
      orders_(config_.order_id_prefix),
      rules_(panel.num_tickers()),
      pending_entries_(panel.num_tickers(), 0),
      pending_cancels_(panel.num_tickers(), 0),
      open_strategy_exits_(panel.num_tickers(), 0),
      touched_(panel.num_tickers(), 0) {}

void TradingKernel::fail(core::Error error) {
  if (!error_) error_ = std::move(error);
}

core::Status TradingKernel::update_panel(const store::Panel& panel) {
  if (panel.tickers() != panel_->tickers()) return core::fail("the refreshed market data has other tickers");
  if (panel.num_dates() < panel_->num_dates() ||
      !std::equal(panel_->dates().begin(), panel_->dates().end(), panel.dates().begin())) {
    return core::fail("the refreshed market data does not extend the dates already traded");
  }
  const std::size_t today = view_.today();
  const bool before_first = view_.before_first();
  panel_ = &panel;
  view_ = strategy::MarketView(panel, today);
  if (before_first) view_.set_before_first();
  return {};
}

core::Status TradingKernel::start(std::size_t first_session) {
  universe_ = config_.universe;
  if (universe_.empty()) {
    for (std::size_t i = 0; i < panel_->num_tickers(); ++i) universe_.push_back(static_cast<InstrumentId>(i));
  }
  std::sort(universe_.begin(), universe_.end());
  universe_.erase(std::unique(universe_.begin(), universe_.end()), universe_.end());
  if (!universe_.empty() && universe_.back() >= panel_->num_tickers()) {
    return core::fail("universe names instrument {} but the data has {}", universe_.back(), panel_->num_tickers());
  }
  if (venue_ == nullptr) return core::fail("trading kernel: no execution client connected");
  risk_.reset();
  if (config_.risk.enabled) {
    if (auto s = risk::RiskManager::validate(config_.risk.limits); !s) return s;
    risk_.emplace(config_.risk.limits, panel_->sectors(), [this](const risk::RiskEvent& e) {
      if (observer_ != nullptr) observer_->on_risk_event(e);
    });
  }
  session_ = first_session;
  if (first_session == 0) {
    view_.set_before_first();
  } else {
    view_.set_today(first_session - 1);
  }
  projection_stale_ = true;
  if (auto s = strategy_->on_start(*this); !s) return s;
  flush();
  if (error_) return std::unexpected(*error_);
  return {};
}

bool TradingKernel::rules_enabled() const {
  const TradeRules& r = config_.rules;
  return r.stop_loss > 0 || r.breakeven_after > 0 || r.time_stop_days > 0;
}

std::size_t TradingKernel::open_slots() const {
  const std::size_t max = config_.rules.max_positions;
  if (max == 0) return std::numeric_limits<std::size_t>::max();
  const std::size_t used = portfolio_.held().size() + instruments_pending_;
  return used >= max ? 0 : max - used;
}

bool TradingKernel::working(OrderId id) const {
  if (id == 0) return false;
  const Order* o = orders_.order(id);
  return o != nullptr && execution::is_open(o->status) && o->status != OrderStatus::PendingCancel;
}

// ---------------------------------------------------------------------------------------------
// Order entry

core::Result<OrderId> TradingKernel::submit(OrderRequest request) {
  if (!request.client_order_id.empty() && orders_.find(request.client_order_id) != nullptr) {
    return orders_.create(std::move(request), OrderOrigin::Strategy, clock_->now());  // a retry: no new risk
  }
  const InstrumentId i = request.instrument;
  if (i >= panel_->num_tickers()) {
    return core::fail_as(core::ErrorKind::Rejected, "order refused: no instrument {} (the data has {})", i,
                         panel_->num_tickers());
  }
  if (portfolio_.position(i).quantity == 0 && pending_entries_[i] == 0) {
    if (open_slots() == 0) {
      auto refused = core::fail_as(core::ErrorKind::Denied, "order for {} refused: max_positions ({}) reached",
                                   panel_->tickers()[i], config_.rules.max_positions);
      if (observer_ != nullptr) observer_->on_decision("refused", refused.error().message);
      return refused;
    }
    if (view_.has_bar(i)) {
      const core::Money value = core::Money::round(static_cast<double>(request.quantity) * view_.close(i));
      if (value < config_.rules.min_position) {
        auto refused = core::fail_as(core::ErrorKind::Denied, "order for {} refused: {} is below min_position {}",
                                     panel_->tickers()[i], core::to_string(value),
                                     core::to_string(config_.rules.min_position));
        if (observer_ != nullptr) observer_->on_decision("refused", refused.error().message);
        return refused;
      }
    }
  }
  auto checked = check_risk(std::move(request));
  if (!checked) return std::unexpected(checked.error());
  return create(std::move(*checked), OrderOrigin::Strategy);
}

core::Result<OrderRequest> TradingKernel::check_risk(OrderRequest request, double confidence) {
  const InstrumentId i = request.instrument;
  if (!risk_) {
    // Without a risk manager the kill switch still holds: only reductions pass.
    const core::Quantity held_shares = portfolio_.position(i).quantity;
    const bool reducing = held_shares != 0 && (held_shares > 0) == (request.side == Side::Sell) &&
                          request.quantity <= std::llabs(held_shares);
    if (kill_engaged_ && !reducing) {
      return core::fail_as(core::ErrorKind::Denied, "order for {} denied: the kill switch is engaged", panel_->tickers()[i]);
    }
    return request;
  }
  if (projection_stale_ || !projected_) {
    if (projected_) {
      *projected_ = portfolio_;
    } else {
      projected_.emplace(portfolio_);
    }
    projection_stale_ = false;
  }
  // What is known now: the last completed bar's close (during a session: yesterday's).
  const core::Price reference = view_.has_bar(i) ? core::Price::round(view_.close(i)) : portfolio_.position(i).last_price;
  const core::Quantity shares = execution::signed_quantity(request.side, request.quantity);
  const core::Date date = session_date();
  const risk::RiskDecision decision =
      risk_->check(date, risk::OrderIntent{.instrument = i, .shares = shares, .reference_price = reference, .confidence = confidence}, *projected_);
  if (!decision.approved) {
    return core::fail_as(core::ErrorKind::Denied, "order for {} denied by the risk manager ({}): {}", panel_->tickers()[i],
                         decision.rule, decision.reason);
  }
  request.quantity = std::llabs(decision.shares);
  std::vector<portfolio::RoundTrip> scratch;
  if (projected_->apply_fill(i, decision.shares, reference, core::Money{}, date, view_.today(), scratch) &&
      projected_->position(i).quantity != 0) {
    projected_->mark(i, reference, view_.today());
  }
  return request;
}

core::Result<OrderId> TradingKernel::create(OrderRequest request, OrderOrigin origin) {
  const InstrumentId i = request.instrument;
  const core::Quantity held_shares = portfolio_.position(i).quantity;
  const bool exit = held_shares != 0 && (held_shares > 0) == (request.side == Side::Sell);
  const bool opening = held_shares == 0 && origin == OrderOrigin::Strategy;
  if (config_.rules.attach_stop && opening && config_.rules.stop_loss > 0 && !request.bracket && view_.has_bar(i) &&
      (request.type == OrderType::Market || request.type == OrderType::MarketOnOpen || request.type == OrderType::Limit)) {
    const double reference = view_.close(i);
    const double level = request.side == Side::Buy ? reference * (1.0 - config_.rules.stop_loss)
                                                   : reference * (1.0 + config_.rules.stop_loss);
    request.bracket = execution::Bracket{.take_profit = {}, .stop_loss = core::Price::round(level)};
  }
  const std::size_t before = orders_.orders().size();
  auto id = orders_.create(std::move(request), origin, clock_->now());
  if (!id) return id;
  unsent_ += orders_.orders().size() - before;  // the order and its bracket children
  const Order& o = *orders_.order(*id);
  if (observer_ != nullptr) {
    observer_->on_order_created(o);
    for (OrderId c : {o.take_profit_child, o.stop_loss_child}) {
      if (c != 0) observer_->on_order_created(*orders_.order(c));
    }
  }
  const OrderId last = orders_.orders().size();
  if (flags_.size() <= last) flags_.resize(last + 1);
  flags_[*id].exit = exit;
  for (OrderId c : {o.take_profit_child, o.stop_loss_child}) {
    if (c != 0) flags_[c].exit = true;
  }
  if (opening) {
    flags_[*id].counted_entry = true;
    if (pending_entries_[i]++ == 0) ++instruments_pending_;
  }
  if (exit && origin == OrderOrigin::Strategy) {
    flags_[*id].counted_exit = true;
    ++open_strategy_exits_[i];
  }
  // One exit at a time: a strategy exit first takes the position's protective orders off the
  // venue (it is held until they are confirmed cancelled).
  if (exit && origin == OrderOrigin::Strategy) {
    for (OrderId open : std::vector<OrderId>(orders_.open().begin(), orders_.open().end())) {
      const Order& w = *orders_.order(open);
      if (open != *id && w.request.instrument == i && w.origin == OrderOrigin::Protective && flags_[open].exit) {
        request_cancel(open, fmt::format("replaced by the strategy's exit {}", o.request.client_order_id));
      }
    }
    RuleState& st = rules_[i];
    st.stop_order = 0;
    st.exit_order = 0;
    st.stop_level = {};
    st.protected_quantity = 0;
  }
  return id;
}

core::Status TradingKernel::cancel(OrderId id) {
  const Order* o = orders_.order(id);
  if (o == nullptr) return core::fail("cancel: no order {}", id);
  if (!execution::is_open(o->status) || o->status == OrderStatus::PendingCancel) {
    return core::fail("cancel: order {} ({}) is already {}", id, o->request.client_order_id,
                      execution::to_string(o->status));
  }
  request_cancel(id, "cancelled by the strategy");
  return {};
}

void TradingKernel::request_cancel(OrderId id, const std::string& reason) {
  const Order* o = orders_.order(id);
  if (o == nullptr || !execution::is_open(o->status) || o->status == OrderStatus::PendingCancel) return;
  const bool sent = o->status != OrderStatus::New;
  apply(execution::status_event(OrderEventKind::CancelRequested, id, o->request.client_order_id, clock_->now(), reason));
  if (!sent) {
    // Withdrawn before it left: so are its bracket children, which would have left with it.
    const Order& withdrawn = *orders_.order(id);
    for (OrderId c : {withdrawn.take_profit_child, withdrawn.stop_loss_child}) {
      if (c != 0) request_cancel(c, reason);
    }
    return;
  }
  if (auto s = venue_->cancel(*orders_.order(id)); !s) {
    const std::string line =
        fmt::format("cancel of {} at the venue failed: {}", orders_.order(id)->request.client_order_id, s.error().message);
    if (s.error().kind == core::ErrorKind::Unavailable || s.error().kind == core::ErrorKind::Throttled) {
      // Unconfirmed, not lost: the order stays pending cancel until the venue's events or a
      // sweep settle it (held exits wait for that).
      if (observer_ != nullptr) observer_->on_decision("unconfirmed", line);
    } else {
      fail(core::Error{line, s.error().kind});
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Events

void TradingKernel::on_order_event(OrderEvent event) {
  std::lock_guard lock(inbox_mutex_);
  inbox_.push_back(std::move(event));
  inbox_pending_.store(true, std::memory_order_release);
}

void TradingKernel::process_events() {
  while (inbox_pending_.load(std::memory_order_acquire)) {
    {
      std::lock_guard lock(inbox_mutex_);
      batch_.swap(inbox_);
      inbox_pending_.store(false, std::memory_order_release);
    }
    for (const OrderEvent& e : batch_) apply(e);
    batch_.clear();
  }
}

void TradingKernel::apply(const OrderEvent& event) {
  auto applied = orders_.apply(event);
  if (!applied) {
    fail(applied.error());
    return;
  }
  if (applied->duplicate || applied->ignored) return;
  if (applied->before == OrderStatus::New && applied->after != OrderStatus::New) --unsent_;
  const OrderId id = applied->order;
  const Order& o = *orders_.order(id);
  const InstrumentId i = o.request.instrument;
  // Bookkeeping of the pending states this kernel counts.
  if (applied->before != OrderStatus::PendingCancel && applied->after == OrderStatus::PendingCancel && flags_[id].exit) {
    ++pending_cancels_[i];
  } else if (applied->before == OrderStatus::PendingCancel && applied->after != OrderStatus::PendingCancel &&
             flags_[id].exit) {
    --pending_cancels_[i];
  }
  if (!execution::is_open(applied->after)) {
    if (flags_[id].counted_entry) {
      flags_[id].counted_entry = false;
      if (--pending_entries_[i] == 0) --instruments_pending_;
    }
    if (flags_[id].counted_exit) {
      flags_[id].counted_exit = false;
      --open_strategy_exits_[i];
    }
  }
  if (observer_ != nullptr) observer_->on_order_event(o, event);
  if (applied->fill) book_fill(*applied->fill);
}

void TradingKernel::book_fill(const execution::Fill& fill) {
  const InstrumentId i = fill.instrument;
  const core::Quantity before = portfolio_.position(i).quantity;
  closed_.clear();
  auto booked = portfolio_.apply_fill(i, execution::signed_quantity(fill.side, fill.quantity), fill.price,
                                      fill.commission, fill.date, session_, closed_);
  if (!booked) {
    fail(booked.error());
    return;
  }
  projection_stale_ = true;
  if (observer_ != nullptr) observer_->on_fill(fill);
  for (const auto& rt : closed_) {
    if (observer_ != nullptr) observer_->on_round_trip(rt, fill);
    if (risk_) risk_->on_trade_closed(fill.date, rt.pnl);
  }
  const core::Quantity after = portfolio_.position(i).quantity;
  const bool closed_or_flipped = before != 0 && (after == 0 || (before > 0) != (after > 0));
  if (closed_or_flipped) {
    // One-cancels-other: every other exit of the old position goes.
    for (OrderId open : std::vector<OrderId>(orders_.open().begin(), orders_.open().end())) {
      const Order& w = *orders_.order(open);
      if (open != fill.order && w.request.instrument == i && flags_[open].exit && w.parent != fill.order) {
        request_cancel(open, fmt::format("oco: position closed by {}", orders_.order(fill.order)->request.client_order_id));
      }
    }
  }
  if (closed_or_flipped || before == 0) {
    RuleState& st = rules_[i];
    st = RuleState{};
    if (after != 0) {
      st.best = fill.price.to_double();
      // A stop that came with the entry is the position's protective stop.
      const Order& entry = *orders_.order(fill.order);
      if (entry.stop_loss_child != 0 && working(entry.stop_loss_child)) {
        st.stop_order = entry.stop_loss_child;
        st.stop_level = orders_.order(entry.stop_loss_child)->request.stop_price;
        st.protected_quantity = std::llabs(after);
      }
    }
  }
  strategy_->on_fill(*this, fill);
}

// ---------------------------------------------------------------------------------------------
// Sending

bool TradingKernel::held(const Order& o) const {
  return flags_[o.id].exit && pending_cancels_[o.request.instrument] > 0;
}

void TradingKernel::flush() {
  for (int round = 0; round < 16 && !error_; ++round) {
    process_events();
    if (unsent_ == 0) break;
    sending_.clear();
    std::vector<OrderId> withdraw;
    for (OrderId id : orders_.open()) {
      const Order& o = *orders_.order(id);
      if (o.status != OrderStatus::New || o.parent != 0) continue;  // children travel with their entry
      if (held(o)) continue;
      const core::Quantity position = portfolio_.position(o.request.instrument).quantity;
      if (flags_[id].exit && (position == 0 || (position > 0) != (o.request.side == Side::Sell))) {
        withdraw.push_back(id);  // the position it was to close is gone
        continue;
      }
      sending_.push_back(id);
    }
    for (OrderId id : withdraw) request_cancel(id, "position already closed");
    if (sending_.empty()) {
      if (withdraw.empty()) break;
      continue;
    }
    if (observer_ != nullptr) {
      if (auto s = observer_->before_send(sending_); !s) {
        fail(core::Error{fmt::format("orders not sent: the journal failed: {}", s.error().message), s.error().kind});
        return;
      }
    }
    const core::UnixNanos now = clock_->now();
    for (OrderId id : sending_) {
      const Order& o = *orders_.order(id);
      apply(execution::status_event(OrderEventKind::Submitted, id, o.request.client_order_id, now));
      for (OrderId c : {o.take_profit_child, o.stop_loss_child}) {
        if (c != 0) {
          apply(execution::status_event(OrderEventKind::Submitted, c, orders_.order(c)->request.client_order_id, now));
        }
      }
      if (auto s = venue_->submit(*orders_.order(id)); !s) {
        if (s.error().kind == core::ErrorKind::Unavailable) {
          // Outcome unknown: it stays Submitted until the venue's events or a sweep say.
          if (observer_ != nullptr) {
            observer_->on_decision("unconfirmed", fmt::format("order {}: {}", o.request.client_order_id, s.error().message));
          }
        } else {
          apply(execution::status_event(OrderEventKind::Rejected, id, o.request.client_order_id, now, s.error().message));
        }
      }
    }
  }
  process_events();
}

// ---------------------------------------------------------------------------------------------
// The day

void TradingKernel::begin_session(std::size_t t) {
  session_ = t;
  if (t == 0) {
    view_.set_before_first();
  } else {
    view_.set_today(t - 1);
  }
  projection_stale_ = true;
  const core::Date date = session_date();
  if (risk_) {
    risk_->on_session_start(date, portfolio_.equity());
    if (!kill_engaged_ && config_.risk.kill_switch_date && date >= *config_.risk.kill_switch_date) {
      engage_kill_switch(fmt::format("kill_switch_date {}", config_.risk.kill_switch_date->to_string()),
                         config_.risk.limits.flatten_on_kill);
    }
  }
  flush();
}

void TradingKernel::engage_kill_switch(const std::string& reason, bool flatten) {
  kill_engaged_ = true;
  bool cancel_all = true;
  if (risk_) {
    const risk::KillSwitchActions actions = risk_->engage_kill_switch(session_date(), reason);
    cancel_all = actions.cancel_open_orders;
    flatten = flatten && actions.flatten_positions;
  }
  if (cancel_all) {
    for (OrderId id : std::vector<OrderId>(orders_.open().begin(), orders_.open().end())) {
      request_cancel(id, "kill switch");
    }
  }
  if (flatten) {
    for (InstrumentId i : std::vector<InstrumentId>(portfolio_.held())) {
      const core::Quantity q = portfolio_.position(i).quantity;
      (void)create({.instrument = i, .side = q > 0 ? Side::Sell : Side::Buy, .quantity = std::llabs(q),
                    .type = OrderType::Market, .tif = execution::TimeInForce::Day, .tag = OrderTag::End},
                   OrderOrigin::KillSwitch);
    }
  }
  flush();
}

core::Status TradingKernel::adopt_position(InstrumentId i, core::Quantity quantity, core::Price price) {
  const core::Quantity before = portfolio_.position(i).quantity;
  if (quantity == before) return {};
  closed_.clear();
  if (auto s = portfolio_.apply_fill(i, quantity - before, price, core::Money{}, session_date(), session_, closed_); !s) {
    return s;
  }
  projection_stale_ = true;
  if (quantity == 0 || (before != 0 && (before > 0) != (quantity > 0))) {
    for (OrderId open : std::vector<OrderId>(orders_.open().begin(), orders_.open().end())) {
      if (orders_.order(open)->request.instrument == i && flags_[open].exit) request_cancel(open, "adopted: position closed");
    }
  }
  rules_[i] = RuleState{};
  if (quantity != 0) rules_[i].best = price.to_double();
  return {};
}

void TradingKernel::resume(const std::string& reason) {
  kill_engaged_ = false;
  if (risk_) risk_->resume(session_date(), reason);
}

void TradingKernel::end_session(std::size_t t) {
  session_ = t;
  process_events();
  view_.set_today(t);
  projection_stale_ = true;
  for (InstrumentId i : portfolio_.held()) {
    if (view_.has_bar(i)) {
      portfolio_.mark(i, core::Price::round(view_.close(i)), t);
    } else {
      portfolio_.mark_stale(i);
    }
  }
  portfolio_.accrue_borrow();
  if (risk_) risk_->on_equity(session_date(), portfolio_.equity());
  if (rules_enabled()) apply_rules(t);
  targets_set_this_session_ = false;
  strategy_->on_bar(*this);
  // The drawdown exposure scale moved since the targets were sized: size them again now,
  // rather than at the strategy's next decision.
  if (risk_ && !targets_set_this_session_ && !strategy_targets_.empty() && risk_->exposure_scale() != applied_scale_) {
    set_target_weights(strategy_targets_);
  }
  flush();
  if (observer_ != nullptr) observer_->on_session_closed(t);
}

void TradingKernel::finish() { strategy_->on_end(*this); }

}  // namespace kestrel::trading
