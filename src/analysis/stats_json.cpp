#include "analysis/stats_json.hpp"

#include <cmath>

namespace kestrel::analysis {
namespace {

nlohmann::json number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json series_json(const SeriesStats& s) {
  return {
      {"total_return", number(s.total_return)},
      {"annual_return", number(s.annual_return)},
      {"annual_volatility", number(s.annual_volatility)},
      {"sharpe", number(s.sharpe)},
      {"sortino", number(s.sortino)},
      {"downside_risk", number(s.downside_risk)},
      {"max_drawdown", number(s.max_drawdown)},
      {"calmar", number(s.calmar)},
      {"value_at_risk_95", number(s.value_at_risk)},
      {"conditional_value_at_risk_95", number(s.conditional_value_at_risk)},
  };
}

nlohmann::json drawdown_json(const std::optional<DatedDrawdown>& d) {
  if (!d) return nullptr;
  return {
      {"depth", number(d->depth)},
      {"peak", d->peak.to_string()},
      {"trough", d->trough.to_string()},
      {"recovery", d->recovery ? nlohmann::json(d->recovery->to_string()) : nlohmann::json()},
      {"trading_days", d->trading_days},
  };
}

nlohmann::json trades_json(const TradeStats& t) {
  return {
      {"trades", t.trades},
      {"wins", t.wins},
      {"losses", t.losses},
      {"win_rate", number(t.win_rate)},
      {"profit_factor", number(t.profit_factor)},
      {"gross_profit", number(t.gross_profit)},
      {"gross_loss", number(t.gross_loss)},
      {"average_win", number(t.average_win)},
      {"average_loss", number(t.average_loss)},
      {"average_trade", number(t.average_trade)},
      {"average_return", number(t.average_return)},
      {"largest_win", number(t.largest_win)},
      {"largest_loss", number(t.largest_loss)},
      {"average_holding_days", number(t.average_holding_days)},
      {"commission", number(t.commission)},
  };
}

nlohmann::json exposure_json(const ExposureStats& e) {
  return {
      {"average_gross_exposure", number(e.average_gross_exposure)},
      {"average_net_exposure", number(e.average_net_exposure)},
      {"max_gross_exposure", number(e.max_gross_exposure)},
      {"time_in_market", number(e.time_in_market)},
      {"average_positions", number(e.average_positions)},
      {"traded_notional", number(e.traded_notional)},
      {"annual_turnover", number(e.annual_turnover)},
      {"orders", e.orders},
      {"filled_orders", e.filled_orders},
      {"rejected_orders", e.rejected_orders},
  };
}

}  // namespace

nlohmann::json to_json(const PerformanceStats& stats) {
  const bool has_days = stats.equity_points > 0;
  return {
      {"start", has_days ? nlohmann::json(stats.start.to_string()) : nlohmann::json()},
      {"end", has_days ? nlohmann::json(stats.end.to_string()) : nlohmann::json()},
      {"equity_points", stats.equity_points},
      {"trading_days", stats.trading_days},
      {"starting_equity", number(stats.starting_equity)},
      {"ending_equity", number(stats.ending_equity)},
      {"strategy", series_json(stats.strategy)},
      {"benchmark", series_json(stats.benchmark)},
      {"alpha", number(stats.alpha)},
      {"beta", number(stats.beta)},
      {"information_ratio", number(stats.information_ratio)},
      {"max_drawdown_period", drawdown_json(stats.max_drawdown_period)},
      {"longest_drawdown_period", drawdown_json(stats.longest_drawdown_period)},
      {"trades", trades_json(stats.trades)},
      {"exposure", exposure_json(stats.exposure)},
  };
}

nlohmann::json run_metadata_json(const BacktestRecord& record) {
  return {
      {"name", record.name},
      {"benchmark", record.benchmark},
      {"seed", record.seed},
      {"config_hash", record.config_hash},
      {"config", record.config_text},
      {"flags", record.flags},
      {"orders_refused", record.orders_refused},
  };
}

}  // namespace kestrel::analysis
