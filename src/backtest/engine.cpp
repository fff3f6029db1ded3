#include "backtest/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "analysis/activity_flags.hpp"

namespace kestrel::backtest {

using execution::Order;
using execution::OrderTag;
using execution::OrderType;

trading::KernelConfig kernel_config(const EngineConfig& config) {
  return trading::KernelConfig{.universe = config.universe,
                               .portfolio = config.portfolio,
                               .rules = config.rules,
                               .risk = config.risk,
                               .construction = config.construction,
                               .rebalance_tif = config.rebalance_tif,
                               .order_id_prefix = config.order_id_prefix};
}

core::Result<DayRange> day_range(const store::Panel& panel, std::optional<core::Date> start,
                                 std::optional<core::Date> end) {
  if (panel.num_dates() == 0) return core::fail("backtest: the market data has no dates");
  DayRange r{0, panel.num_dates() - 1};
  if (start) {
    const auto before = panel.date_index_at_or_before(*start - 1);
    r.first = before ? *before + 1 : 0;
  }
  if (end) {
    const auto at = panel.date_index_at_or_before(*end);
    if (!at) return core::fail("backtest: end {} is before the first date of the data", end->to_string());
    r.last = *at;
  }
  if (r.first > r.last || r.first >= panel.num_dates()) {
    return core::fail("backtest: no trading days between start {} and end {}", start ? start->to_string() : "-",
                      end ? end->to_string() : "-");
  }
  return r;
}

// ---------------------------------------------------------------------------------------------

BacktestRecorder::BacktestRecorder(const store::Panel& panel, std::string name, std::optional<InstrumentId> benchmark)
    : panel_(&panel), benchmark_(benchmark) {
  record_.name = std::move(name);
  record_.benchmark = benchmark ? panel.tickers()[*benchmark] : "";
}

void BacktestRecorder::on_round_trip(const portfolio::RoundTrip& rt, const execution::Fill& fill) {
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
      // End-tagged orders during a run only flatten for the kill switch.
      .exit_reason = fill.tag == OrderTag::End ? "kill_switch" : std::string(execution::to_string(fill.tag))});
}

void BacktestRecorder::on_risk_event(const risk::RiskEvent& e) {
  if (!record_.risk) record_.risk.emplace();
  record_.risk->events.push_back(
      analysis::RiskEventRecord{.date = e.date, .kind = risk::to_string(e.kind), .rule = e.rule, .message = e.message});
}

void BacktestRecorder::on_decision(std::string_view kind, const std::string&) {
  if (kind == "refused") ++record_.orders_refused;
}

void BacktestRecorder::on_session_closed(std::size_t t) {
  const portfolio::Portfolio& portfolio = kernel_->portfolio();
  const double equity = portfolio.equity().to_double();
  const double market = portfolio.market_value().to_double();
  const double gross = portfolio.gross_value().to_double();
  if (benchmark_ && panel_->has_bar(*benchmark_, t)) {
    last_benchmark_ = panel_->value(store::Field::AdjClose, *benchmark_, t);
  }
  record_.equity.push_back(analysis::EquityPoint{.date = panel_->dates()[t],
                                                 .equity = equity,
                                                 .cash = portfolio.cash().to_double(),
                                                 .gross_exposure = equity != 0 ? gross / equity : 0.0,
                                                 .net_exposure = equity != 0 ? market / equity : 0.0,
                                                 .benchmark = last_benchmark_,
                                                 .positions = static_cast<int>(portfolio.held().size())});
}

analysis::BacktestRecord BacktestRecorder::finish() {
  const portfolio::Portfolio& portfolio = kernel_->portfolio();
  const core::Date last = record_.equity.empty() ? core::Date{} : record_.equity.back().date;
  // Positions still open are reported as trades closed at their last mark, without costs.
  for (InstrumentId i : portfolio.held()) {
    const portfolio::Position& p = portfolio.position(i);
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
  for (const Order& o : kernel_->orders().orders()) {
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
  if (const risk::RiskManager* risk = kernel_->risk_manager()) {
    if (!record_.risk) record_.risk.emplace();
    record_.risk->manager_enabled = true;
    const risk::RiskLimits& l = risk->limits();
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
    // The dollar caps only where set: 0 means "none", not a $0 cap.
    if (l.max_capital > 0) record_.risk->limits["max_capital"] = l.max_capital;
    if (l.max_order_value > 0) record_.risk->limits["max_order_value"] = l.max_order_value;
    if (l.min_open_confidence > 0) record_.risk->limits["min_open_confidence"] = l.min_open_confidence;
    for (std::size_t k = 0; k < l.drawdown_steps.size(); ++k) {  // drawdown_steps[k] = [drawdown, scale]
      record_.risk->limits[fmt::format("drawdown_steps.{}.drawdown", k + 1)] = l.drawdown_steps[k].first;
      record_.risk->limits[fmt::format("drawdown_steps.{}.scale", k + 1)] = l.drawdown_steps[k].second;
    }
    record_.risk->counters = risk->counters();
  }
  record_.flags = analysis::activity_flags(record_);
  return std::move(record_);
}

// ---------------------------------------------------------------------------------------------

BacktestEngine::BacktestEngine(const store::Panel& panel, EngineConfig config, strategy::Strategy& strategy)
    : panel_(&panel),
      config_(std::move(config)),
      kernel_(panel, kernel_config(config_), strategy, clock_),
      venue_(panel, config_.broker, config_.portfolio, clock_, kernel_) {
  kernel_.connect(venue_);
}

core::Result<analysis::BacktestRecord> BacktestEngine::run() {
  auto range = day_range(*panel_, config_.start, config_.end);
  if (!range) return std::unexpected(range.error());
  const std::size_t t0 = range->first;
  const std::size_t t1 = range->last;

  stats_ = {};
  stats_.days = t1 - t0 + 1;
  // Bars of the tradable universe (all tickers when none is given).
  for (std::size_t i = 0; i < panel_->num_tickers(); ++i) {
    if (!config_.universe.empty() &&
        std::find(config_.universe.begin(), config_.universe.end(), static_cast<InstrumentId>(i)) == config_.universe.end()) {
      continue;
    }
    const auto close = panel_->series(store::Field::Close, i);
    for (std::size_t t = t0; t <= t1; ++t) stats_.bar_events += std::isnan(close[t]) ? 0 : 1;
  }

  BacktestRecorder recorder(*panel_, config_.name, config_.benchmark);
  recorder.attach(kernel_);
  kernel_.set_observer(&recorder);
  venue_.set_next_session(t0);
  (void)clock_.advance_to(core::at_time_of_day(panel_->dates()[t0], core::kSessionOpenSecond) - 1);
  if (auto s = kernel_.start(t0); !s) return std::unexpected(s.error());
  for (std::size_t t = t0; t <= t1; ++t) {
    const core::Date date = panel_->dates()[t];
    (void)clock_.advance_to(core::at_time_of_day(date, core::kSessionOpenSecond));
    kernel_.begin_session(t);
    venue_.process_session(t);
    kernel_.process_events();
    (void)clock_.advance_to(core::at_time_of_day(date, core::kSessionCloseSecond));
    venue_.end_session(t);
    kernel_.end_session(t);
    if (kernel_.error()) return std::unexpected(*kernel_.error());
  }
  kernel_.finish();
  kernel_.set_observer(nullptr);
  return recorder.finish();
}

}  // namespace kestrel::backtest
