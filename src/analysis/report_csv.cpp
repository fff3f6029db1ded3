#include "analysis/report_csv.hpp"

#include <cmath>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "analysis/drawdown.hpp"
#include "analysis/performance_stats.hpp"

namespace kestrel::analysis {
namespace {

std::string number(double value) {
  if (std::isnan(value)) return {};
  return fmt::format("{}", value);
}

// RFC 4180 quoting, only where a field needs it.
std::string text(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

std::string equity_csv(const BacktestRecord& record) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const auto returns = equity_returns(record.equity);
  const auto benchmark = benchmark_returns(record.equity);
  const auto drawdown = drawdown_series(returns);
  std::string out =
      "date,equity,cash,gross_exposure,net_exposure,benchmark,positions,return,"
      "benchmark_return,drawdown\n";
  for (std::size_t i = 0; i < record.equity.size(); ++i) {
    const auto& p = record.equity[i];
    const double r = i > 0 ? returns[i - 1] : kNaN;
    const double b = i > 0 ? benchmark[i - 1] : kNaN;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", p.date.to_string(), number(p.equity),
                       number(p.cash), number(p.gross_exposure), number(p.net_exposure),
                       number(p.benchmark), p.positions, number(r), number(b),
                       number(drawdown[i]));
  }
  return out;
}

std::string trades_csv(const BacktestRecord& record) {
  std::string out =
      "ticker,entry_date,exit_date,quantity,entry_price,exit_price,pnl,return_pct,commission,"
      "exit_reason\n";
  for (const auto& t : record.trades) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", text(t.ticker), t.entry_date.to_string(),
                       t.exit_date.to_string(), number(t.quantity), number(t.entry_price),
                       number(t.exit_price), number(t.pnl), number(t.return_pct),
                       number(t.commission), text(t.exit_reason));
  }
  return out;
}

std::string orders_csv(const BacktestRecord& record) {
  std::string out =
      "submitted,last_update,client_order_id,ticker,side,type,status,quantity,filled_quantity,"
      "limit_price,stop_price,average_fill_price,commission,reason\n";
  for (const auto& o : record.orders) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", o.submitted.to_string(),
                       o.last_update.to_string(), text(o.client_order_id), text(o.ticker),
                       text(o.side), text(o.type), text(o.status), number(o.quantity),
                       number(o.filled_quantity), number(o.limit_price), number(o.stop_price),
                       number(o.average_fill_price), number(o.commission), text(o.reason));
  }
  return out;
}

}  // namespace kestrel::analysis
