#include "server/node_metrics.hpp"

#include <chrono>

#include "server/prometheus_text.hpp"

namespace kestrel::server {
namespace {

double seconds_of(core::Date date) { return static_cast<double>(date.days()) * 86'400.0; }

bool is_halt(const std::string& kind) {
  return kind == "control:kill" || kind == "control:kill_flatten" || kind == "risk:drawdown_halt" ||
         kind == "risk:daily_loss_limit" || kind == "reconcile:mismatch";
}

}  // namespace

std::string node_metrics(const DashboardSnapshot& s) {
  PrometheusText m;
  m.gauge("kestrel_run_info", "The run this server shows (value 1)", 1,
          {{"run_id", s.run.run_id}, {"mode", s.run.mode}, {"name", s.run.name}, {"execution", s.health.execution}});
  m.counter("kestrel_sessions_total", "Sessions the node has closed in this run", static_cast<double>(s.sessions));
  const double equity = s.today ? s.today->equity : 0;
  m.gauge("kestrel_equity_dollars", "Equity at the last close", equity);
  m.gauge("kestrel_cash_dollars", "Cash at the last close", s.today ? s.today->cash : 0);
  m.gauge("kestrel_market_value_dollars", "Market value of the positions at the last close",
          s.today ? s.today->market_value : 0);
  m.gauge("kestrel_gross_exposure_ratio", "Gross exposure / equity at the last close",
          s.today ? s.today->gross_exposure : 0);
  m.gauge("kestrel_positions", "Open positions", static_cast<double>(s.positions.size()));
  m.gauge("kestrel_day_pnl_dollars", "Profit or loss of the last session", s.day_pnl);
  m.gauge("kestrel_day_return_ratio", "Return of the last session", s.day_return);
  m.gauge("kestrel_total_return_ratio", "Return since the run's first session", s.total_return);
  m.gauge("kestrel_drawdown_ratio", "Drawdown from the peak equity (positive)", s.drawdown);
  m.gauge("kestrel_max_drawdown_ratio", "Largest drawdown of the run (positive)", s.max_drawdown);

  m.family("kestrel_orders", "gauge", "Orders of the run by their current status");
  for (const auto& [status, count] : s.orders_by_status) {
    m.sample("kestrel_orders", static_cast<double>(count), {{"status", status}});
  }
  m.gauge("kestrel_orders_open", "Orders still working", static_cast<double>(s.open_orders));
  m.counter("kestrel_fills_total", "Fills received", static_cast<double>(s.fills_total));
  m.counter("kestrel_commissions_dollars_total", "Commissions paid", s.commissions);
  m.counter("kestrel_order_rejections_total", "Orders the venue rejected", static_cast<double>(s.rejections));
  m.family("kestrel_trades_closed_total", "counter", "Round trips closed, by result (P&L after commissions)");
  m.sample("kestrel_trades_closed_total", s.wins, {{"result", "win"}});
  m.sample("kestrel_trades_closed_total", s.losses, {{"result", "loss"}});
  m.gauge("kestrel_realised_pnl_dollars", "P&L of the closed round trips", s.realised_pnl);

  double denials = 0, halts = 0;
  m.family("kestrel_decisions_total", "counter", "Risk, reconciliation and control decisions, by kind");
  for (const auto& [kind, count] : s.events_by_kind) {
    m.sample("kestrel_decisions_total", static_cast<double>(count), {{"kind", kind}});
    if (kind == "risk:denied") denials += static_cast<double>(count);
    if (is_halt(kind)) halts += static_cast<double>(count);
  }
  m.counter("kestrel_risk_denials_total", "Orders the risk manager refused", denials);
  m.counter("kestrel_halts_total", "Halts: kill switch requests, drawdown halts, daily-loss stops, reconciliation mismatches",
            halts);
  m.gauge("kestrel_halted", "1 while the run is halted", s.halted ? 1 : 0);
  m.gauge("kestrel_pending_controls", "Operator requests waiting for the node", static_cast<double>(s.pending_controls));

  m.family("kestrel_risk_limit_ratio", "gauge", "The run's risk limits (fractions of equity)");
  m.sample("kestrel_risk_limit_ratio", s.limits.max_position_fraction, {{"limit", "max_position"}});
  m.sample("kestrel_risk_limit_ratio", s.limits.max_sector_fraction, {{"limit", "max_sector"}});
  m.sample("kestrel_risk_limit_ratio", s.limits.min_cash_fraction, {{"limit", "min_cash"}});
  m.sample("kestrel_risk_limit_ratio", s.limits.max_gross_exposure, {{"limit", "max_gross_exposure"}});
  m.sample("kestrel_risk_limit_ratio", s.limits.daily_loss_limit, {{"limit", "daily_loss"}});
  m.sample("kestrel_risk_limit_ratio", s.limits.max_drawdown, {{"limit", "max_drawdown"}});
  m.family("kestrel_risk_usage_ratio", "gauge", "How much of each limit the last close used (fractions of equity)");
  m.sample("kestrel_risk_usage_ratio", s.usage.largest_position_fraction, {{"limit", "max_position"}});
  m.sample("kestrel_risk_usage_ratio", s.usage.largest_sector_fraction, {{"limit", "max_sector"}});
  m.sample("kestrel_risk_usage_ratio", s.usage.cash_fraction, {{"limit", "min_cash"}});
  m.sample("kestrel_risk_usage_ratio", s.usage.gross_exposure, {{"limit", "max_gross_exposure"}});
  m.sample("kestrel_risk_usage_ratio", s.usage.day_loss_fraction, {{"limit", "daily_loss"}});
  m.sample("kestrel_risk_usage_ratio", s.usage.drawdown, {{"limit", "max_drawdown"}});

  // Declared even without samples (a rule strategy, or no market data), so that dashboards and
  // alert rules can always refer to them.
  m.family("kestrel_model_hit_rate_ratio", "gauge", "Share of predictions on the right side of the day's median");
  for (const auto& model : s.models) m.sample("kestrel_model_hit_rate_ratio", model.hit_rate, {{"model", model.model}});
  m.family("kestrel_model_rank_ic", "gauge", "Mean daily Spearman correlation of scores with next-day returns");
  for (const auto& model : s.models) m.sample("kestrel_model_rank_ic", model.mean_rank_ic, {{"model", model.model}});

  static constexpr double kCycleBounds[] = {0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120};
  m.histogram("kestrel_cycle_duration_seconds", "Wall time of the node's cycles (one per session closed)",
              kCycleBounds, s.health.cycle_seconds);
  m.counter("kestrel_cycles_failed_total", "Cycles that ended with an error (the node stopped)",
            static_cast<double>(s.health.failed_cycles));
  m.gauge("kestrel_last_cycle_duration_seconds", "Wall time of the last cycle",
          s.health.last_cycle ? s.health.last_cycle->duration_ms / 1000 : 0);
  m.counter("kestrel_broker_requests_total", "Requests to the broker's API", static_cast<double>(s.health.broker_requests));
  m.counter("kestrel_broker_errors_total", "Broker requests without a reply or with an HTTP error status",
            static_cast<double>(s.health.broker_errors));
  m.counter("kestrel_broker_request_seconds_total", "Time spent waiting for the broker's replies (latency sum)",
            s.health.broker_seconds);
  if (s.health.broker_link) {
    m.gauge("kestrel_broker_stream_connected", "1 while the node listens to the broker's trade_updates stream",
            s.health.broker_link->state == "connected" ? 1 : 0);
    m.counter("kestrel_broker_stream_disconnects_total", "Times the broker's stream was lost in this run",
              static_cast<double>(s.health.stream_disconnects));
  }
  m.counter("kestrel_node_starts_total", "Process starts of the run's node", static_cast<double>(s.health.starts));
  m.counter("kestrel_node_restarts_total", "Starts that resumed the run after a stop or crash",
            static_cast<double>(s.health.restarts));
  if (s.health.last_session) {
    m.gauge("kestrel_last_session_timestamp_seconds", "The last session the node closed (midnight UTC)",
            seconds_of(*s.health.last_session));
  }
  if (s.health.data_last_date) {
    m.gauge("kestrel_data_last_bar_timestamp_seconds", "The newest bar in the market data (midnight UTC)",
            seconds_of(*s.health.data_last_date));
    m.gauge("kestrel_data_lag_sessions", "Closed sessions missing from the market data",
            static_cast<double>(s.health.data_lag_sessions));
    m.gauge("kestrel_data_stale", "1 when the market data is behind the last closed session", s.health.data_stale ? 1 : 0);
  }
  return m.text();
}

}  // namespace kestrel::server
