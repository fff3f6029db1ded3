#include "server/dashboard_json.hpp"

#include <cmath>

namespace kestrel::server {
namespace {

using nlohmann::json;

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json numbers(const std::vector<double>& values) {
  json out = json::array();
  for (double v : values) out.push_back(number(v));
  return out;
}

json dates(const std::vector<core::Date>& values) {
  json out = json::array();
  for (core::Date d : values) out.push_back(d.to_string());
  return out;
}

json optional_date(const std::optional<core::Date>& d) { return d ? json(d->to_string()) : json(nullptr); }

}  // namespace

json to_json(const DashboardSnapshot& s) {
  json j;
  j["journal"] = s.journal;
  j["run"] = {{"id", s.run.run_id},
              {"mode", s.run.mode},
              {"name", s.run.name},
              {"config_hash", s.run.config_hash},
              {"first_date", s.run.first_date.to_string()},
              {"last_date", s.run.last_date ? json(s.run.last_date->to_string()) : json(nullptr)},
              {"finished", s.run.finished},
              {"sessions", s.sessions}};
  j["account"] = {{"date", s.today ? json(s.today->date.to_string()) : json(nullptr)},
                  {"equity", s.today ? number(s.today->equity) : json(nullptr)},
                  {"cash", s.today ? number(s.today->cash) : json(nullptr)},
                  {"market_value", s.today ? number(s.today->market_value) : json(nullptr)},
                  {"gross_exposure", s.today ? number(s.today->gross_exposure) : json(nullptr)},
                  {"initial_equity", number(s.initial_equity)},
                  {"peak_equity", number(s.peak_equity)},
                  {"day_pnl", number(s.day_pnl)},
                  {"day_return", number(s.day_return)},
                  {"total_return", number(s.total_return)},
                  {"drawdown", number(s.drawdown)},
                  {"max_drawdown", number(s.max_drawdown)}};
  json benchmarks = json::array();
  for (const auto& b : s.benchmarks) benchmarks.push_back({{"name", b.name}, {"values", numbers(b.values)}});
  j["series"] = {{"dates", dates(s.dates)},
                 {"equity", numbers(s.equity)},
                 {"drawdown", numbers(s.drawdowns)},
                 {"benchmarks", benchmarks}};
  j["trades"] = {{"closed", s.closed_trades.size()}, {"wins", s.wins}, {"losses", s.losses},
                 {"realised_pnl", number(s.realised_pnl)}};

  json positions = json::array();
  for (const auto& p : s.positions) {
    positions.push_back({{"ticker", p.ticker},
                         {"quantity", p.quantity},
                         {"entry_price", number(p.entry_price)},
                         {"entry_date", p.entry_date.to_string()},
                         {"price", number(p.price)},
                         {"value", number(p.value)},
                         {"pnl", number(p.pnl)},
                         {"pnl_fraction", number(p.pnl_fraction)},
                         {"stop", p.stop > 0 ? number(p.stop) : json(nullptr)},
                         {"sessions_held", p.sessions_held},
                         {"sector", p.sector}});
  }
  j["positions"] = positions;

  json orders = json::array();
  for (const auto& o : s.recent_orders) {
    orders.push_back({{"client_order_id", o.client_order_id},
                      {"date", o.date.to_string()},
                      {"ticker", o.ticker},
                      {"side", o.side},
                      {"type", o.type},
                      {"quantity", o.quantity},
                      {"filled", o.filled},
                      {"limit_price", o.limit_price > 0 ? number(o.limit_price) : json(nullptr)},
                      {"stop_price", o.stop_price > 0 ? number(o.stop_price) : json(nullptr)},
                      {"status", o.status},
                      {"tag", o.tag},
                      {"origin", o.origin}});
  }
  json fills = json::array();
  for (const auto& f : s.recent_fills) {
    fills.push_back({{"seq", f.seq},
                     {"client_order_id", f.client_order_id},
                     {"time_ns", f.ts},
                     {"ticker", f.ticker},
                     {"side", f.side},
                     {"quantity", f.quantity},
                     {"price", number(f.price)},
                     {"commission", number(f.commission)}});
  }
  json events = json::array();
  for (const auto& d : s.recent_events) {
    events.push_back({{"seq", d.seq}, {"date", d.date.to_string()}, {"kind", d.kind}, {"detail", d.detail}});
  }
  j["orders"] = {{"total", s.orders_total}, {"open", s.open_orders}, {"by_status", s.orders_by_status},
                 {"recent", orders}};
  j["fills"] = {{"total", s.fills_total}, {"commissions", number(s.commissions)}, {"recent", fills}};
  j["events"] = {{"by_kind", s.events_by_kind}, {"rejections", s.rejections}, {"recent", events}};

  j["risk"] = {{"enabled", s.risk_enabled},
               {"halted", s.halted},
               {"halt_reason", s.halt_reason},
               {"pending_controls", s.pending_controls},
               {"limits",
                {{"max_position", s.limits.max_position_fraction},
                 {"max_sector", s.limits.max_sector_fraction},
                 {"min_cash", s.limits.min_cash_fraction},
                 {"max_gross_exposure", s.limits.max_gross_exposure},
                 {"max_positions", s.limits.max_positions},
                 {"daily_loss", s.limits.daily_loss_limit},
                 {"max_drawdown", s.limits.max_drawdown}}},
               {"usage",
                {{"largest_position", s.usage.largest_position},
                 {"max_position", number(s.usage.largest_position_fraction)},
                 {"largest_sector", s.usage.largest_sector},
                 {"max_sector", number(s.usage.largest_sector_fraction)},
                 {"min_cash", number(s.usage.cash_fraction)},
                 {"max_gross_exposure", number(s.usage.gross_exposure)},
                 {"max_positions", s.positions.size()},
                 {"daily_loss", number(s.usage.day_loss_fraction)},
                 {"max_drawdown", number(s.usage.drawdown)}}}};

  json models = json::array();
  for (const auto& m : s.models) {
    models.push_back({{"model", m.model},
                      {"predictions", m.predictions},
                      {"scored", m.scored},
                      {"hits", m.hits},
                      {"hit_rate", number(m.hit_rate)},
                      {"mean_rank_ic", number(m.mean_rank_ic)},
                      {"pending_days", m.pending_days},
                      {"dates", dates(m.dates)},
                      {"rolling_hit_rate", numbers(m.rolling_hit_rate)}});
  }
  j["models"] = models;
  j["health"] = {{"starts", s.health.starts},
                 {"restarts", s.health.restarts},
                 {"last_start", s.health.last_start},
                 {"last_session", optional_date(s.health.last_session)},
                 {"data_last_date", optional_date(s.health.data_last_date)},
                 {"expected_date", optional_date(s.health.expected_date)},
                 {"data_lag_sessions", s.health.data_lag_sessions},
                 {"data_stale", s.health.data_stale},
                 {"execution", s.health.execution},
                 {"cycles", s.health.cycles},
                 {"failed_cycles", s.health.failed_cycles},
                 {"last_cycle", s.health.last_cycle ? json{{"session", s.health.last_cycle->session.to_string()},
                                                            {"started_at", s.health.last_cycle->started_at},
                                                            {"duration_ms", number(s.health.last_cycle->duration_ms)},
                                                            {"result", s.health.last_cycle->result}}
                                                      : json(nullptr)},
                 {"broker_requests", s.health.broker_requests},
                 {"broker_errors", s.health.broker_errors},
                 {"broker_seconds", number(s.health.broker_seconds)},
                 {"broker_link", s.health.broker_link ? json{{"state", s.health.broker_link->state},
                                                             {"since", s.health.broker_link->at},
                                                             {"detail", s.health.broker_link->detail}}
                                                       : json(nullptr)},
                 {"stream_disconnects", s.health.stream_disconnects}};
  j["notes"] = s.notes;
  return j;
}

}  // namespace kestrel::server
