#include "backtest/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

namespace kestrel::backtest {

using execution::Order;
using execution::OrderId;
using execution::OrderRequest;
using execution::OrderTag;
using execution::OrderType;
using execution::Side;

BacktestEngine::BacktestEngine(const store::Panel& panel, EngineConfig config, strategy::Strategy& strategy)
    : panel_(&panel),
      config_(std::move(config)),
      strategy_(&strategy),
      portfolio_(panel.num_tickers(), config_.portfolio),
      broker_(panel, config_.broker, portfolio_, *this),
      view_(panel, 0),
      rules_(panel.num_tickers()),
      pending_entries_(panel.num_tickers(), 0),
      touched_(panel.num_tickers(), 0) {}

bool BacktestEngine::rules_enabled() const {
  const TradeRules& r = config_.rules;
  return r.stop_loss > 0 || r.breakeven_after > 0 || r.time_stop_days > 0;
}

std::size_t BacktestEngine::open_slots() const {
  const std::size_t max = config_.rules.max_positions;
  if (max == 0) return std::numeric_limits<std::size_t>::max();
  const std::size_t used = portfolio_.held().size() + instruments_pending_;
  return used >= max ? 0 : max - used;
}

core::Result<OrderId> BacktestEngine::submit(OrderRequest request) {
  const InstrumentId i = request.instrument;
  if (i < panel_->num_tickers() && portfolio_.position(i).quantity == 0 && pending_entries_[i] == 0 &&
      (request.tag == OrderTag::Signal || request.tag == OrderTag::Rebalance)) {
    if (open_slots() == 0) {
      return core::fail("order for {} refused: max_positions ({}) reached", panel_->tickers()[i],
                        config_.rules.max_positions);
    }
    if (view_.has_bar(i)) {
      const core::Money value = core::Money::round(static_cast<double>(request.quantity) * view_.close(i));
      if (value < config_.rules.min_position) {
        return core::fail("order for {} refused: {} is below min_position {}", panel_->tickers()[i],
                          core::to_string(value), core::to_string(config_.rules.min_position));
      }
    }
  }
  auto checked = check_risk(std::move(request));
  if (!checked) return std::unexpected(checked.error());
  return place(std::move(*checked));
}

core::Result<OrderRequest> BacktestEngine::check_risk(OrderRequest request) {
  if (!risk_ || (request.tag != OrderTag::Signal && request.tag != OrderTag::Rebalance)) return request;
  const InstrumentId i = request.instrument;
  if (i >= panel_->num_tickers()) return request;  // the broker rejects it
  const std::size_t t = view_.today();
  const core::Date date = panel_->dates()[t];
  if (!projected_ || projected_bar_ != t) {
    if (projected_) {
      *projected_ = portfolio_;
    } else {
      projected_.emplace(portfolio_);
    }
    projected_bar_ = t;
  }
  const core::Price reference = view_.has_bar(i) ? core::Price::round(view_.close(i)) : portfolio_.position(i).last_price;
  const core::Quantity shares = execution::signed_quantity(request.side, request.quantity);
  const risk::RiskDecision decision =
      risk_->check(date, risk::OrderIntent{.instrument = i, .shares = shares, .reference_price = reference}, *projected_);
  if (!decision.approved) {
    return core::fail("order for {} denied by the risk manager ({}): {}", panel_->tickers()[i], decision.rule,
                      decision.reason);
  }
  request.quantity = std::llabs(decision.shares);
  std::vector<portfolio::RoundTrip> scratch;
  if (projected_->apply_fill(i, decision.shares, reference, core::Money{}, date, t, scratch) &&
      projected_->position(i).quantity != 0) {
    projected_->mark(i, reference, t);
  }
  return request;
}

void BacktestEngine::engage_kill_switch(std::size_t t) {
  kill_engaged_ = true;
  const core::Date date = panel_->dates()[t];
  const risk::KillSwitchActions actions =
      risk_->engage_kill_switch(date, fmt::format("kill_switch_date {}", config_.risk.kill_switch_date->to_string()));
  broker_.set_session(t, t);  // orders sent now fill at this session's open
  if (actions.cancel_open_orders) {
    const std::vector<OrderId> open(broker_.open_orders().begin(), broker_.open_orders().end());
    for (OrderId id : open) (void)broker_.cancel(id, "kill switch");
  }
  if (actions.flatten_positions) {
    const std::vector<InstrumentId> held = portfolio_.held();
    for (InstrumentId i : held) {
      const core::Quantity q = portfolio_.position(i).quantity;
      (void)place({.client_order_id = fmt::format("kill-switch-{}", panel_->tickers()[i]), .instrument = i,
                   .side = q > 0 ? Side::Sell : Side::Buy, .quantity = std::llabs(q), .type = OrderType::Market,
                   .tif = execution::TimeInForce::Day, .tag = OrderTag::End});
    }
  }
}

core::Result<OrderId> BacktestEngine::place(OrderRequest request) {
  const InstrumentId i = request.instrument;
  const bool opening = i < panel_->num_tickers() && portfolio_.position(i).quantity == 0 &&
                       (request.tag == OrderTag::Signal || request.tag == OrderTag::Rebalance);
  auto id = broker_.submit(request);
  if (!id) return id;
  if (opening && execution::is_open(broker_.order(*id)->status)) {
    if (counted_entry_.size() <= *id) counted_entry_.resize(*id + 1, 0);
    if (!counted_entry_[*id]) {
      counted_entry_[*id] = 1;
      if (pending_entries_[i]++ == 0) ++instruments_pending_;
    }
  }
  return id;
}

core::Status BacktestEngine::cancel(OrderId id) { return broker_.cancel(id, "cancelled by the strategy"); }

void BacktestEngine::on_order_update(const Order& order) {
  if (order.id < counted_entry_.size() && counted_entry_[order.id] && !execution::is_open(order.status)) {
    counted_entry_[order.id] = 0;
    if (--pending_entries_[order.request.instrument] == 0) --instruments_pending_;
  }
}

void BacktestEngine::on_fill(const execution::Fill& fill) {
  const InstrumentId i = fill.instrument;
  const core::Quantity before = portfolio_.position(i).quantity;
  closed_.clear();
  auto booked = portfolio_.apply_fill(i, execution::signed_quantity(fill.side, fill.quantity), fill.price,
                                      fill.commission, fill.date, view_.today(), closed_);
  if (!booked && !error_) error_ = booked.error();
  for (const auto& rt : closed_) {
    const double shares = static_cast<double>(std::llabs(rt.quantity));
    record_.trades.push_back(analysis::TradeRecord{
        .ticker = panel_->tickers()[rt.instrument],
        .entry_date = rt.entry_date,
        .exit_date = rt.exit_date,
        .quantity = static_cast<double>(rt.quantity),
        .entry_price = rt.entry_value.to_double() / shares,
        .exit_price = rt.exit_value.to_double() / shares,
        .pnl = rt.pnl.to_double(),
        .return_pct = rt.entry_value.is_zero() ? 0.0 : rt.pnl.to_double() / rt.entry_value.to_double(),
        .commission = rt.fees.to_double(),
        // The engine sends End-tagged orders during a run only to flatten for the kill switch.
        .exit_reason = fill.tag == OrderTag::End ? "kill_switch" : std::string(execution::to_string(fill.tag))});
    if (risk_) risk_->on_trade_closed(fill.date, rt.pnl);
  }
  const core::Quantity after = portfolio_.position(i).quantity;
  const bool closed_or_flipped = before != 0 && (after == 0 || (before > 0) != (after > 0));
  if (closed_or_flipped || before == 0) {
    RuleState& st = rules_[i];
    for (OrderId o : {st.stop_order, st.exit_order}) {
      if (o != 0 && o != fill.order && execution::is_open(broker_.order(o)->status)) {
        (void)broker_.cancel(o, "position closed");
      }
    }
    st = RuleState{};
    if (after != 0) st.best = fill.price.to_double();
  }
  strategy_->on_fill(*this, fill);
}

void BacktestEngine::apply_rules(std::size_t t) {
  const TradeRules& r = config_.rules;
  for (InstrumentId i : portfolio_.held()) {
    if (!view_.has_bar(i)) continue;  // stale: keep whatever stop is working
    RuleState& st = rules_[i];
    if (st.exit_order != 0) {
      if (execution::is_open(broker_.order(st.exit_order)->status)) continue;
      st.exit_order = 0;  // expired unfilled (e.g. no bar): decide again today
    }
    const portfolio::Position& p = portfolio_.position(i);
    const bool long_side = p.quantity > 0;
    const double entry = p.average_cost().to_double();
    const double close = view_.close(i);
    st.best = long_side ? std::max(st.best, close) : std::min(st.best, close);
    const Side exit_side = long_side ? Side::Sell : Side::Buy;
    const core::Quantity shares = std::llabs(p.quantity);

    if (r.time_stop_days > 0 && t - p.entry_bar >= r.time_stop_days &&
        (long_side ? close <= entry : close >= entry)) {
      if (st.stop_order != 0 && execution::is_open(broker_.order(st.stop_order)->status)) {
        (void)broker_.cancel(st.stop_order, "time stop");
      }
      st.stop_order = 0;
      st.stop_level = {};
      st.protected_quantity = 0;
      if (auto id = place({.instrument = i, .side = exit_side, .quantity = shares, .type = OrderType::Market,
                           .tif = execution::TimeInForce::Day, .tag = OrderTag::TimeStop})) {
        st.exit_order = *id;
      }
      continue;
    }

    double level = std::numeric_limits<double>::quiet_NaN();
    if (r.stop_loss > 0) level = long_side ? entry * (1.0 - r.stop_loss) : entry * (1.0 + r.stop_loss);
    if (r.breakeven_after > 0 &&
        (long_side ? st.best >= entry * (1.0 + r.breakeven_after) : st.best <= entry * (1.0 - r.breakeven_after))) {
      st.trailing = true;
    }
    if (st.trailing) {
      const double trail = long_side ? std::max(entry, st.best * (1.0 - r.trail)) : std::min(entry, st.best * (1.0 + r.trail));
      level = std::isnan(level) ? trail : (long_side ? std::max(level, trail) : std::min(level, trail));
    }
    if (std::isnan(level)) continue;
    core::Price price = core::Price::round(level);
    // Stops only ever tighten.
    if (!st.stop_level.is_zero()) price = long_side ? std::max(price, st.stop_level) : std::min(price, st.stop_level);
    const bool working = st.stop_order != 0 && execution::is_open(broker_.order(st.stop_order)->status);
    if (working && price == st.stop_level && shares == st.protected_quantity) continue;
    if (working) (void)broker_.cancel(st.stop_order, "stop replaced");
    st.stop_order = 0;
    auto id = place({.instrument = i, .side = exit_side, .quantity = shares, .type = OrderType::Stop,
                     .tif = execution::TimeInForce::Gtc, .stop_price = price,
                     .tag = st.trailing ? OrderTag::TrailingStop : OrderTag::Stop});
    if (id) {
      st.stop_order = *id;
      st.stop_level = price;
      st.protected_quantity = shares;
    }
  }
}

core::Status BacktestEngine::construct_portfolio() {
  const PortfolioConstruction& pc = *config_.construction;
  const std::size_t t = view_.today();
  std::vector<InstrumentId> names;
  for (const auto& target : targets_) {
    if (target.weight > 0 && view_.has_bar(target.instrument)) names.push_back(target.instrument);
  }
  targets_.clear();
  if (names.empty()) return {};
  // Returns up to the decision bar only; a day without a bar counts as a zero return.
  const std::size_t days = std::min(pc.lookback_days, t);
  if (days < 2) return {};  // no history yet: hold cash rather than size blind
  allocation::AllocationInput input;
  input.returns.resize(static_cast<Eigen::Index>(days), static_cast<Eigen::Index>(names.size()));
  input.expected_returns.resize(static_cast<Eigen::Index>(names.size()));
  input.previous_weights.resize(static_cast<Eigen::Index>(names.size()));
  const double equity = portfolio_.equity().to_double();
  for (std::size_t k = 0; k < names.size(); ++k) {
    const InstrumentId i = names[k];
    input.tickers.push_back(panel_->tickers()[i]);
    input.sectors.push_back(panel_->sectors().empty() ? "" : panel_->sectors()[i]);
    const auto adj = panel_->series(store::Field::AdjClose, i);
    double sum = 0;
    for (std::size_t d = 0; d < days; ++d) {
      const std::size_t day = t - days + 1 + d;
      const double r = adj[day] / adj[day - 1] - 1;
      const double value = std::isfinite(r) ? r : 0.0;
      input.returns(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(k)) = value;
      sum += value;
    }
    // Max Sharpe's expected returns: the trailing mean (the strategy chose the names).
    input.expected_returns(static_cast<Eigen::Index>(k)) = sum / static_cast<double>(days);
    input.previous_weights(static_cast<Eigen::Index>(k)) =
        equity > 0 ? portfolio_.position(i).market_value().to_double() / equity : 0.0;
  }
  allocation::AllocationConstraints constraints = pc.constraints;
  constraints.equity = equity;
  auto allocated = allocation::allocate(pc.method, input, constraints);
  if (!allocated) {
    return core::fail("portfolio construction ({}) on {}: {}", allocation::to_string(pc.method),
                      panel_->dates()[t].to_string(), allocated.error().message);
  }
  for (std::size_t k = 0; k < names.size(); ++k) {
    const double w = allocated->weights(static_cast<Eigen::Index>(k));
    if (w > 0) targets_.push_back({.instrument = names[k], .weight = w});
  }
  return {};
}

void BacktestEngine::set_target_weights(std::span<const strategy::TargetWeight> targets) {
  targets_.clear();
  for (const auto& target : targets) {
    if (target.instrument >= panel_->num_tickers() || !(std::isfinite(target.weight))) continue;
    if (target.weight == 0 || (target.weight < 0 && !config_.portfolio.allow_short)) continue;
    targets_.push_back(target);
  }
  std::stable_sort(targets_.begin(), targets_.end(),
                   [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
  // Duplicates add up.
  std::size_t n = 0;
  for (std::size_t k = 0; k < targets_.size(); ++k) {
    if (n > 0 && targets_[n - 1].instrument == targets_[k].instrument) {
      targets_[n - 1].weight += targets_[k].weight;
    } else {
      targets_[n++] = targets_[k];
    }
  }
  targets_.resize(n);
  if (config_.construction) {
    if (auto s = construct_portfolio(); !s) {
      if (!error_) error_ = s.error();
      return;
    }
  }
  const std::size_t max = config_.rules.max_positions;
  if (max > 0 && targets_.size() > max) {
    std::stable_sort(targets_.begin(), targets_.end(),
                     [](const auto& a, const auto& b) { return std::fabs(a.weight) > std::fabs(b.weight); });
    targets_.resize(max);
    std::sort(targets_.begin(), targets_.end(), [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
  }

  // Instruments to act on: targets and current holdings, ascending.
  std::vector<InstrumentId> instruments;
  instruments.reserve(targets_.size() + portfolio_.held().size());
  for (const auto& target : targets_) instruments.push_back(target.instrument);
  for (InstrumentId i : portfolio_.held()) instruments.push_back(i);
  std::sort(instruments.begin(), instruments.end());
  instruments.erase(std::unique(instruments.begin(), instruments.end()), instruments.end());
  for (InstrumentId i : instruments) touched_[i] = 1;

  // Earlier strategy orders on these instruments are superseded.
  std::vector<OrderId> superseded;
  for (OrderId id : broker_.open_orders()) {
    const Order& o = *broker_.order(id);
    if (touched_[o.request.instrument] && (o.request.tag == OrderTag::Signal || o.request.tag == OrderTag::Rebalance) &&
        o.parent == 0) {
      superseded.push_back(id);
    }
  }
  for (OrderId id : superseded) (void)broker_.cancel(id, "superseded by new target weights");

  const double equity = portfolio_.equity().to_double();
  std::vector<OrderRequest> sells, buys;
  std::size_t k = 0;
  for (InstrumentId i : instruments) {
    touched_[i] = 0;
    double weight = 0;
    while (k < targets_.size() && targets_[k].instrument < i) ++k;
    if (k < targets_.size() && targets_[k].instrument == i) weight = targets_[k].weight;
    if (!view_.has_bar(i)) continue;  // cannot be priced today: leave it
    const double close = view_.close(i);
    auto desired = static_cast<core::Quantity>(std::trunc(weight * equity / close));
    if (std::fabs(static_cast<double>(desired) * close) < config_.rules.min_position.to_double()) desired = 0;
    const core::Quantity delta = desired - portfolio_.position(i).quantity;
    if (delta == 0) continue;
    OrderRequest request{.instrument = i, .side = delta > 0 ? Side::Buy : Side::Sell, .quantity = std::llabs(delta),
                         .type = OrderType::Market, .tif = config_.rebalance_tif, .tag = OrderTag::Rebalance};
    (delta > 0 ? buys : sells).push_back(std::move(request));
  }
  // Sells first: they fill first at the open and free the cash the buys need.
  for (auto* side : {&sells, &buys}) {
    for (auto& request : *side) {
      if (auto checked = check_risk(std::move(request))) (void)place(std::move(*checked));
    }
  }
}

void BacktestEngine::record_day(std::size_t t) {
  const double equity = portfolio_.equity().to_double();
  const double market = portfolio_.market_value().to_double();
  const double gross = portfolio_.gross_value().to_double();
  if (config_.benchmark && panel_->has_bar(*config_.benchmark, t)) {
    last_benchmark_ = panel_->value(store::Field::AdjClose, *config_.benchmark, t);
  }
  record_.equity.push_back(analysis::EquityPoint{
      .date = panel_->dates()[t],
      .equity = equity,
      .cash = portfolio_.cash().to_double(),
      .gross_exposure = equity != 0 ? gross / equity : 0.0,
      .net_exposure = equity != 0 ? market / equity : 0.0,
      .benchmark = last_benchmark_,
      .positions = static_cast<int>(portfolio_.held().size())});
}

void BacktestEngine::finish_record() {
  const core::Date last = record_.equity.empty() ? core::Date{} : record_.equity.back().date;
  // Positions still open are reported as trades closed at their last mark, without costs.
  for (InstrumentId i : portfolio_.held()) {
    const portfolio::Position& p = portfolio_.position(i);
    const core::Money value = p.market_value();
    const core::Money pnl = p.realized + value - p.cost;
    const double shares = static_cast<double>(p.entry_shares);
    const double exit_shares = static_cast<double>(p.exit_shares + std::llabs(p.quantity));
    record_.trades.push_back(analysis::TradeRecord{
        .ticker = panel_->tickers()[i],
        .entry_date = p.entry_date,
        .exit_date = last,
        .quantity = p.quantity > 0 ? shares : -shares,
        .entry_price = p.entry_value.to_double() / shares,
        .exit_price = (p.exit_value + value.abs()).to_double() / exit_shares,
        .pnl = pnl.to_double(),
        .return_pct = p.entry_value.is_zero() ? 0.0 : pnl.to_double() / p.entry_value.to_double(),
        .commission = p.fees.to_double(),
        .exit_reason = std::string(execution::to_string(OrderTag::End))});
  }
  for (const Order& o : broker_.orders()) {
    const bool has_limit = o.request.type == OrderType::Limit || o.request.type == OrderType::StopLimit;
    const bool has_stop = o.request.type == OrderType::Stop || o.request.type == OrderType::StopLimit;
    record_.orders.push_back(analysis::OrderRecord{
        .submitted = o.submitted,
        .last_update = o.last_update,
        .client_order_id = o.request.client_order_id,
        .ticker = o.request.instrument < panel_->num_tickers() ? panel_->tickers()[o.request.instrument] : "?",
        .side = std::string(execution::to_string(o.request.side)),
        .type = std::string(execution::to_string(o.request.type)),
        .status = std::string(execution::to_string(o.status)),
        .quantity = static_cast<double>(o.request.quantity),
        .filled_quantity = static_cast<double>(o.filled),
        .limit_price = has_limit ? o.request.limit_price.to_double() : 0.0,
        .stop_price = has_stop ? o.request.stop_price.to_double() : 0.0,
        .average_fill_price = o.average_price(),
        .commission = o.commission.to_double(),
        .reason = o.reason});
  }
}

core::Result<analysis::BacktestRecord> BacktestEngine::run() {
  if (panel_->num_dates() == 0) return core::fail("backtest: the market data has no dates");
  std::size_t t0 = 0;
  std::size_t t1 = panel_->num_dates() - 1;
  if (config_.start) {
    const auto before = panel_->date_index_at_or_before(*config_.start - 1);
    t0 = before ? *before + 1 : 0;
  }
  if (config_.end) {
    const auto at = panel_->date_index_at_or_before(*config_.end);
    if (!at) return core::fail("backtest: end {} is before the first date of the data", config_.end->to_string());
    t1 = *at;
  }
  if (t0 > t1 || t0 >= panel_->num_dates()) {
    return core::fail("backtest: no trading days between start {} and end {}",
                      config_.start ? config_.start->to_string() : "-", config_.end ? config_.end->to_string() : "-");
  }
  universe_ = config_.universe;
  if (universe_.empty()) {
    for (std::size_t i = 0; i < panel_->num_tickers(); ++i) universe_.push_back(static_cast<InstrumentId>(i));
  }
  std::sort(universe_.begin(), universe_.end());
  universe_.erase(std::unique(universe_.begin(), universe_.end()), universe_.end());
  if (!universe_.empty() && universe_.back() >= panel_->num_tickers()) {
    return core::fail("backtest: universe names instrument {} but the data has {}", universe_.back(), panel_->num_tickers());
  }

  stats_ = {};
  stats_.days = t1 - t0 + 1;
  for (std::size_t i = 0; i < panel_->num_tickers(); ++i) {
    const auto close = panel_->series(store::Field::Close, i);
    for (std::size_t t = t0; t <= t1; ++t) stats_.bar_events += std::isnan(close[t]) ? 0 : 1;
  }

  record_ = {};
  record_.name = config_.name;
  record_.benchmark = config_.benchmark ? panel_->tickers()[*config_.benchmark] : "";
  record_.equity.reserve(stats_.days);
  last_benchmark_ = 0;
  error_.reset();
  risk_.reset();
  projected_.reset();
  kill_engaged_ = false;
  if (config_.risk.enabled) {
    if (auto s = risk::RiskManager::validate(config_.risk.limits); !s) return std::unexpected(s.error());
    record_.risk.emplace();
    record_.risk->manager_enabled = true;
    const risk::RiskLimits& l = config_.risk.limits;
    record_.risk->limits = {{"max_order_fraction", l.max_order_fraction},
                            {"max_position_fraction", l.max_position_fraction},
                            {"max_sector_fraction", l.max_sector_fraction},
                            {"max_gross_exposure", l.max_gross_exposure},
                            {"min_cash_fraction", l.min_cash_fraction},
                            {"max_positions", l.max_positions},
                            {"min_position_value", l.min_position_value},
                            {"daily_loss_limit", l.daily_loss_limit},
                            {"losing_streak_length", l.losing_streak_length},
                            {"losing_streak_size_factor", l.losing_streak_size_factor},
                            {"max_drawdown", l.max_drawdown},
                            {"flatten_on_kill", l.flatten_on_kill ? 1.0 : 0.0}};
    risk_.emplace(config_.risk.limits, panel_->sectors(), [this](const risk::RiskEvent& e) {
      record_.risk->events.push_back(
          analysis::RiskEventRecord{.date = e.date, .kind = risk::to_string(e.kind), .rule = e.rule, .message = e.message});
    });
  }

  view_.set_today(t0);
  broker_.set_session(t0, t0);
  if (auto s = strategy_->on_start(*this); !s) return std::unexpected(s.error());
  for (std::size_t t = t0; t <= t1; ++t) {
    const core::Date date = panel_->dates()[t];
    view_.set_today(t);
    clock_.advance_to(core::at_time_of_day(date, kOpenSecond));
    if (risk_) {
      risk_->on_session_start(date, portfolio_.equity());
      if (!kill_engaged_ && config_.risk.kill_switch_date && date >= *config_.risk.kill_switch_date) {
        engage_kill_switch(t);
      }
    }
    broker_.process_bar(t);
    clock_.advance_to(core::at_time_of_day(date, kCloseSecond));
    for (InstrumentId i : portfolio_.held()) {
      if (view_.has_bar(i)) {
        portfolio_.mark(i, core::Price::round(view_.close(i)), t);
      } else {
        portfolio_.mark_stale(i);
      }
    }
    portfolio_.accrue_borrow();
    if (risk_) risk_->on_equity(date, portfolio_.equity());
    if (rules_enabled()) apply_rules(t);
    strategy_->on_bar(*this);
    record_day(t);
    if (error_) return std::unexpected(*error_);
  }
  strategy_->on_end(*this);
  finish_record();
  if (risk_) record_.risk->counters = risk_->counters();
  return std::move(record_);
}

}  // namespace kestrel::backtest
