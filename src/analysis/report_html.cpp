#include "analysis/report_html.hpp"

#include "analysis/html_escape.hpp"
#include "analysis/monthly_heatmap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/drawdown.hpp"
#include "analysis/period_returns.hpp"
#include "analysis/report_assets.hpp"
#include "analysis/return_stats.hpp"

namespace kestrel::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view kDash = "\u2013";

std::string escape(std::string_view text) { return html_escape(text); }

std::string pct(double v, int digits = 2) {
  if (!std::isfinite(v)) return std::string(kDash);
  return fmt::format("{:.{}f}%", v * 100, digits);
}

std::string num(double v, int digits = 2) {
  if (!std::isfinite(v)) return std::string(kDash);
  return fmt::format("{:.{}f}", v, digits);
}

// 1234567.8 -> "1,234,568" with digits = 0, "1,234,567.80" with 2.
std::string money(double v, int digits = 0) {
  if (!std::isfinite(v)) return std::string(kDash);
  const std::string plain = fmt::format("{:.{}f}", std::abs(v), digits);
  const std::size_t whole_digits = std::min(plain.find('.'), plain.size());
  const bool rounds_to_zero = plain.find_first_not_of("0.") == std::string::npos;
  std::string out = v < 0 && !rounds_to_zero ? "-" : "";
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && i < whole_digits && (whole_digits - i) % 3 == 0) out += ',';
    out += plain[i];
  }
  return out;
}

// CSS class that colours a signed value.
std::string_view sign_class(double v) {
  if (!std::isfinite(v) || v == 0) return "";
  return v > 0 ? "pos" : "neg";
}

double rounded(double v, double scale) {
  if (!std::isfinite(v)) return kNaN;
  return std::round(v * scale) / scale;
}

nlohmann::json series(const std::vector<double>& values, double scale) {
  auto out = nlohmann::json::array();
  for (double v : values) {
    const double r = rounded(v, scale);
    if (std::isnan(r)) {
      out.push_back(nullptr);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

// Per-day series aligned with the equity points (index 0 = the first point, which has no
// return yet).
struct ChartSeries {
  std::vector<double> equity, benchmark, drawdown, benchmark_drawdown;
  std::vector<double> rolling_sharpe, benchmark_rolling_sharpe;
  std::vector<double> gross, net, positions;
};

std::vector<double> aligned(std::vector<double> per_return) {
  per_return.insert(per_return.begin(), kNaN);
  return per_return;
}

ChartSeries chart_series(const BacktestRecord& record) {
  const auto& points = record.equity;
  ChartSeries s;
  if (points.empty()) return s;
  const auto returns = equity_returns(points);
  const auto bench_returns = benchmark_returns(points);
  // The benchmark is rescaled to start at the strategy's starting capital, so both lines
  // read as "what the capital would be worth".
  double scale = kNaN;
  for (const auto& p : points) {
    s.equity.push_back(p.equity);
    if (std::isnan(scale) && p.benchmark > 0) {
      scale = points.front().equity / p.benchmark;
    }
    s.benchmark.push_back(p.benchmark > 0 ? p.benchmark * scale : kNaN);
    s.gross.push_back(p.gross_exposure);
    s.net.push_back(p.net_exposure);
    s.positions.push_back(p.positions);
  }
  s.drawdown = drawdown_series(returns);
  s.benchmark_drawdown = drawdown_series(bench_returns);
  // Before the benchmark's first level there is no benchmark drawdown to show.
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (std::isnan(s.benchmark[i])) s.benchmark_drawdown[i] = kNaN;
  }
  s.rolling_sharpe = aligned(rolling_sharpe(returns, kRollingSharpeWindow));
  s.benchmark_rolling_sharpe = aligned(rolling_sharpe(bench_returns, kRollingSharpeWindow));
  return s;
}

// Chart values are rounded (money to cents, ratios to 1e-6, Sharpe to 1e-4) to keep the page
// small; the CSV files hold full precision.
std::string chart_data_json(const BacktestRecord& record) {
  const ChartSeries s = chart_series(record);
  auto x = nlohmann::json::array();
  for (const auto& p : record.equity) x.push_back(static_cast<std::int64_t>(p.date.days()) * 86400);
  nlohmann::json data = {
      {"benchmark_name", record.benchmark},
      {"x", x},
      {"equity", series(s.equity, 100)},
      {"benchmark", series(s.benchmark, 100)},
      {"drawdown", series(s.drawdown, 1e6)},
      {"benchmark_drawdown", series(s.benchmark_drawdown, 1e6)},
      {"rolling_sharpe", series(s.rolling_sharpe, 1e4)},
      {"benchmark_rolling_sharpe", series(s.benchmark_rolling_sharpe, 1e4)},
      {"gross_exposure", series(s.gross, 1e6)},
      {"net_exposure", series(s.net, 1e6)},
      {"positions", series(s.positions, 1)},
  };
  if (record.risk && record.risk->has_monte_carlo) {
    const MonteCarloRecord& mc = record.risk->monte_carlo;
    auto day = nlohmann::json::array();
    for (std::size_t k = 0; k < mc.band_p50.size(); ++k) day.push_back(k + 1);
    data["monte_carlo"] = {{"day", day},
                           {"p05", series(mc.band_p05, 1e5)},
                           {"p50", series(mc.band_p50, 1e5)},
                           {"p95", series(mc.band_p95, 1e5)}};
  }
  const std::string text = data.dump();
  // Inside <script> a "</" could end the element early; "<\/" means the same in JSON.
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') out += '\\';
  }
  return out;
}

std::string kpi(std::string_view label, const std::string& value, const std::string& vs,
                std::string_view css = "") {
  return fmt::format(
      "<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value {}\">{}</div>"
      "<div class=\"vs\">{}</div></div>\n",
      label, css, value, vs);
}

std::string kpis(const BacktestRecord& record, const PerformanceStats& st) {
  const std::string bench = escape(record.benchmark);
  std::string out = "<section class=\"kpis\">\n";
  out += kpi("Total return", pct(st.strategy.total_return, 1),
             fmt::format("{} {}", bench, pct(st.benchmark.total_return, 1)),
             sign_class(st.strategy.total_return));
  out += kpi("CAGR", pct(st.strategy.annual_return), fmt::format("{} {}", bench, pct(st.benchmark.annual_return)),
             sign_class(st.strategy.annual_return));
  out += kpi("Sharpe", num(st.strategy.sharpe), fmt::format("{} {}", bench, num(st.benchmark.sharpe)));
  out += kpi("Max drawdown", pct(st.strategy.max_drawdown, 1),
             fmt::format("{} {}", bench, pct(st.benchmark.max_drawdown, 1)), "neg");
  out += kpi("Volatility", pct(st.strategy.annual_volatility, 1),
             fmt::format("{} {}", bench, pct(st.benchmark.annual_volatility, 1)));
  out += kpi("Trades", fmt::format("{}", st.trades.trades),
             fmt::format("win rate {}", pct(st.trades.win_rate, 1)));
  out += "</section>\n";
  return out;
}

std::string chart_panel(std::string_view id, std::string_view title, std::string_view note) {
  return fmt::format(
      "<section class=\"panel\"><h2>{}<span class=\"note\">{}</span></h2>"
      "<div class=\"chart\" id=\"chart-{}\"></div></section>\n",
      title, note, id);
}

std::string monthly_heatmap(const BacktestRecord& record) {
  const auto returns = equity_returns(record.equity);
  std::vector<core::Date> dates;
  for (std::size_t i = 1; i < record.equity.size(); ++i) dates.push_back(record.equity[i].date);
  return monthly_heatmap_html(dates, returns);
}

std::string stat_row(std::string_view label, const std::string& strategy, const std::string& benchmark) {
  return fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", label, strategy, benchmark);
}

std::string section_row(std::string_view title, int columns) {
  return fmt::format("<tr class=\"section\"><td colspan=\"{}\">{}</td></tr>\n", columns, title);
}

// "-17.2% over 252 days" and "2011-02-16 → 2011-12-28 → 2012-02-16" (peak, trough, recovery).
std::string drawdown_size(const std::optional<DatedDrawdown>& d) {
  if (!d) return std::string(kDash);
  return fmt::format("{} over {} days", pct(d->depth, 1), d->trading_days);
}

std::string drawdown_dates(const std::optional<DatedDrawdown>& d) {
  if (!d) return std::string(kDash);
  return fmt::format("{} &rarr; {} &rarr; {}", d->peak.to_string(), d->trough.to_string(),
                     d->recovery ? d->recovery->to_string() : "not recovered");
}

std::string performance_table(const BacktestRecord& record, const PerformanceStats& st) {
  const auto& s = st.strategy;
  const auto& b = st.benchmark;
  std::string out = fmt::format(
      "<table><thead><tr><th>Metric</th><th>Strategy</th><th>{}</th></tr></thead><tbody>\n",
      escape(record.benchmark));
  out += section_row("Returns", 3);
  out += stat_row("Total return", pct(s.total_return), pct(b.total_return));
  out += stat_row("CAGR", pct(s.annual_return), pct(b.annual_return));
  out += stat_row("Annual volatility", pct(s.annual_volatility), pct(b.annual_volatility));
  out += section_row("Risk-adjusted", 3);
  out += stat_row("Sharpe ratio", num(s.sharpe), num(b.sharpe));
  out += stat_row("Sortino ratio", num(s.sortino), num(b.sortino));
  out += stat_row("Calmar ratio", num(s.calmar), num(b.calmar));
  out += stat_row("Downside risk (annual)", pct(s.downside_risk), pct(b.downside_risk));
  out += section_row("Tail risk (one day, 95%)", 3);
  out += stat_row("Max drawdown", pct(s.max_drawdown), pct(b.max_drawdown));
  out += stat_row("Value at risk", pct(s.value_at_risk), pct(b.value_at_risk));
  out += stat_row("Conditional VaR", pct(s.conditional_value_at_risk), pct(b.conditional_value_at_risk));
  out += section_row(fmt::format("Against {}", escape(record.benchmark)), 3);
  out += stat_row("Alpha (annual)", pct(st.alpha), "");
  out += stat_row("Beta", num(st.beta), "");
  out += stat_row("Information ratio (daily)", num(st.information_ratio, 3), "");
  out += "</tbody></table>\n";
  return out;
}

std::string activity_table(const PerformanceStats& st) {
  const auto& t = st.trades;
  const auto& e = st.exposure;
  std::string out = "<table><thead><tr><th>Metric</th><th>Value</th></tr></thead><tbody>\n";
  const auto row = [&](std::string_view label, const std::string& value) {
    out += fmt::format("<tr><td>{}</td><td>{}</td></tr>\n", label, value);
  };
  out += section_row("Trades", 2);
  row("Closed trades", fmt::format("{} ({} won, {} lost)", t.trades, t.wins, t.losses));
  row("Win rate", pct(t.win_rate, 1));
  row("Profit factor", num(t.profit_factor));
  row("Average win", money(t.average_win, 2));
  row("Average loss", money(t.average_loss, 2));
  row("Average trade", money(t.average_trade, 2));
  row("Average trade return", pct(t.average_return));
  row("Largest win / loss", fmt::format("{} / {}", money(t.largest_win, 2), money(t.largest_loss, 2)));
  row("Average holding (calendar days)", num(t.average_holding_days, 1));
  row("Commission", money(t.commission, 2));
  out += section_row("Exposure and turnover", 2);
  row("Average gross / net exposure", fmt::format("{} / {}", pct(e.average_gross_exposure, 1), pct(e.average_net_exposure, 1)));
  row("Max gross exposure", pct(e.max_gross_exposure, 1));
  row("Time in market", pct(e.time_in_market, 1));
  row("Average open positions", num(e.average_positions, 1));
  row("Annual turnover", num(e.annual_turnover));
  row("Orders (filled / rejected)", fmt::format("{} ({} / {})", e.orders, e.filled_orders, e.rejected_orders));
  out += section_row("Drawdowns", 2);
  row("Deepest", drawdown_size(st.max_drawdown_period));
  row("&emsp;peak &rarr; trough &rarr; recovery", drawdown_dates(st.max_drawdown_period));
  row("Longest under water", drawdown_size(st.longest_drawdown_period));
  row("&emsp;peak &rarr; trough &rarr; recovery", drawdown_dates(st.longest_drawdown_period));
  out += "</tbody></table>\n";
  return out;
}

std::string var_table(const RiskSummary& risk) {
  if (risk.measures.empty()) return "<div class=\"empty\">Not enough days for VaR.</div>";
  // One row per scope and method; columns: 95%/99% x 1/10 days, VaR and CVaR.
  std::map<std::pair<std::string, std::string>, std::map<std::pair<int, int>, const RiskMeasureRecord*>> rows;
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& m : risk.measures) {
    const auto key = std::pair{m.scope, m.method};
    if (!rows.contains(key)) order.push_back(key);
    rows[key][{static_cast<int>(std::lround(m.confidence * 100)), m.horizon_days}] = &m;
  }
  static constexpr std::array<std::pair<int, int>, 4> kColumns = {{{95, 1}, {99, 1}, {95, 10}, {99, 10}}};
  std::string out = "<table><thead><tr><th class=\"text\">Returns</th><th class=\"text\">Method</th>";
  for (const auto& [c, h] : kColumns) out += fmt::format("<th>VaR {}% {}d</th><th>CVaR {}% {}d</th>", c, h, c, h);
  out += "</tr></thead><tbody>\n";
  for (const auto& key : order) {
    out += fmt::format("<tr><td class=\"text\">{}</td><td class=\"text\">{}</td>",
                       key.first == "strategy" ? "strategy daily" : "final holdings", escape(key.second));
    for (const auto& column : kColumns) {
      const auto it = rows[key].find(column);
      out += it == rows[key].end() ? "<td></td><td></td>"
                                   : fmt::format("<td>{}</td><td>{}</td>", pct(it->second->var), pct(it->second->cvar));
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

std::string stress_table(const RiskSummary& risk) {
  if (risk.stress.empty()) return "<div class=\"empty\">No stress results (see the notes).</div>";
  std::string out =
      "<table><thead><tr><th class=\"text\">Scenario</th><th class=\"text\">Kind</th><th>Holdings</th>"
      "<th>Worst drawdown</th><th>Benchmark / shock</th><th class=\"text\">Proxied by beta</th></tr></thead><tbody>\n";
  for (const auto& s : risk.stress) {
    std::string proxied;
    for (const auto& p : s.proxied) proxied += (proxied.empty() ? "" : ", ") + escape(p);
    out += fmt::format("<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"{}\">{}</td><td>{}</td>"
                       "<td>{}</td><td class=\"text\">{}</td></tr>\n",
                       escape(s.scenario), escape(s.kind), sign_class(s.portfolio_return), pct(s.portfolio_return, 1),
                       s.kind == "historical" ? pct(-s.worst_drawdown, 1) : std::string(kDash),
                       pct(s.benchmark_return, 1), proxied);
  }
  out += "</tbody></table>\n";
  return out;
}

std::string limits_table(const RiskSummary& risk) {
  if (!risk.manager_enabled) {
    return "<div class=\"empty\">The risk manager was off for this run ([risk] enabled = false).</div>";
  }
  std::string out = "<table><thead><tr><th class=\"text\">Rule</th><th>Times hit</th></tr></thead><tbody>\n";
  if (risk.counters.empty()) out += "<tr><td class=\"text\">none</td><td>0</td></tr>\n";
  for (const auto& [rule, count] : risk.counters) {
    out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td></tr>\n", escape(rule), count);
  }
  out += "</tbody></table>\n";
  if (!risk.events.empty()) {
    out += fmt::format("<details><summary>{} risk events</summary><div class=\"scroll\"><table><thead><tr>"
                       "<th>Date</th><th class=\"text\">Event</th><th class=\"text\">Rule</th>"
                       "<th class=\"text\">Detail</th></tr></thead><tbody>\n",
                       risk.events.size());
    for (const auto& e : risk.events) {
      out += fmt::format("<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>\n",
                         e.date.to_string(), escape(e.kind), escape(e.rule), escape(e.message));
    }
    out += "</tbody></table></div></details>\n";
  }
  return out;
}

std::string monte_carlo_table(const RiskSummary& risk) {
  const MonteCarloRecord& mc = risk.monte_carlo;
  std::string out = "<table><thead><tr><th class=\"text\">Statistic</th><th>5th pct</th><th>Median</th><th>95th pct</th></tr>"
                    "</thead><tbody>\n";
  const auto row = [&](std::string_view label, const PercentileRecord& p, bool percent) {
    const auto f = [&](double v) { return percent ? pct(v, 1) : num(v); };
    out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", label, f(p.p05),
                       f(p.p50), f(p.p95));
  };
  row("CAGR", mc.cagr, true);
  row("Sharpe", mc.sharpe, false);
  row("Max drawdown", mc.max_drawdown, true);
  out += fmt::format("<tr><td class=\"text\">P(drawdown &ge; {})</td><td colspan=\"3\">{}</td></tr>\n",
                     pct(mc.drawdown_threshold, 0), pct(mc.probability_drawdown_over_threshold, 1));
  out += fmt::format("<tr><td class=\"text\">P(ruin: equity &le; {} of start)</td><td colspan=\"3\">{}</td></tr>\n",
                     pct(1 - mc.ruin_threshold, 0), pct(mc.probability_of_ruin, 1));
  out += "</tbody></table>\n";
  return out;
}

std::string sharpe_significance(const RiskSummary& risk) {
  if (!risk.has_sharpe_significance) return "<div class=\"empty\">Not computed (see the notes).</div>";
  const SharpeSignificanceRecord& s = risk.sharpe_significance;
  std::string out = "<table><tbody>\n";
  const auto row = [&](std::string_view label, const std::string& value) {
    out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td></tr>\n", label, value);
  };
  row("Sharpe ratio (daily, not annualised)", num(s.sharpe, 4));
  row("Probabilistic Sharpe ratio P(true Sharpe &gt; 0)", pct(s.probabilistic_sharpe, 1));
  if (s.deflated) {
    row(fmt::format("Deflated Sharpe ratio (best of {} sweep runs)", s.trials), pct(s.deflated_sharpe, 1));
    row("Expected best daily Sharpe from luck alone", num(s.expected_max_sharpe, 4));
    row("Probability of backtest overfitting (CSCV)", s.pbo >= 0 ? pct(s.pbo, 1) : std::string(kDash));
  } else {
    row("Deflated Sharpe ratio", "single run: no deflation (run a --sweep to deflate over its trials)");
  }
  out += "</tbody></table>\n";
  return out;
}

std::string risk_section(const RiskSummary& risk) {
  std::string out = "<section class=\"panel\" id=\"risk\"><h2>Risk<span class=\"note\">limits, VaR/CVaR, stress "
                    "tests, Monte Carlo, Sharpe significance</span></h2>\n<div class=\"stats-grid\">\n";
  out += fmt::format("<div><h3>Risk limits hit</h3>{}</div>\n", limits_table(risk));
  out += fmt::format("<div><h3>Is the Sharpe ratio luck?</h3>{}</div>\n", sharpe_significance(risk));
  out += "</div>\n";
  out += fmt::format("<h3>Value at risk and CVaR<span class=\"note\">loss fractions</span></h3><div class=\"scroll\">{}</div>\n",
                     var_table(risk));
  out += fmt::format("<h3>Stress tests of the final holdings</h3><div class=\"scroll\">{}</div>\n", stress_table(risk));
  if (risk.has_monte_carlo) {
    out += fmt::format("<h3>Monte Carlo<span class=\"note\">{} bootstrapped one-year paths of the daily returns "
                       "(stationary blocks, seed {})</span></h3>\n",
                       risk.monte_carlo.paths, risk.monte_carlo.seed);
    out += "<div class=\"chart\" id=\"chart-monte-carlo\"></div>\n";
    out += monte_carlo_table(risk);
  }
  if (!risk.notes.empty()) {
    out += "<ul class=\"notes\">\n";
    for (const auto& n : risk.notes) out += fmt::format("<li>{}</li>\n", escape(n));
    out += "</ul>\n";
  }
  out += "</section>\n";
  return out;
}

std::string trades_table(const BacktestRecord& record) {
  if (record.trades.empty()) return "<div class=\"empty\">No closed trades.</div>";
  std::string out =
      "<div class=\"scroll\"><table><thead><tr><th>Ticker</th><th>Entry</th><th>Exit</th>"
      "<th>Quantity</th><th>Entry price</th><th>Exit price</th><th>P&amp;L</th><th>Return</th>"
      "<th>Commission</th><th class=\"text\">Exit reason</th></tr></thead><tbody>\n";
  for (const auto& t : record.trades) {
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td class=\"{}\">{}</td><td class=\"{}\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>\n",
        escape(t.ticker), t.entry_date.to_string(), t.exit_date.to_string(), money(t.quantity),
        num(t.entry_price), num(t.exit_price), sign_class(t.pnl), money(t.pnl, 2), sign_class(t.return_pct),
        pct(t.return_pct), money(t.commission, 2), escape(t.exit_reason));
  }
  out += "</tbody></table></div>";
  return out;
}

std::string metadata(const BacktestRecord& record, const PerformanceStats& st) {
  const auto meta = [](std::string_view label, const std::string& value) {
    return fmt::format("<dt>{}</dt><dd>{}</dd>\n", label, value);
  };
  std::string out = "<dl class=\"meta\">\n";
  out += meta("Run", escape(record.name));
  out += meta("Benchmark", escape(record.benchmark));
  out += meta("Seed", fmt::format("{}", record.seed));
  out += meta("Config hash", record.config_hash.empty() ? std::string(kDash) : escape(record.config_hash));
  out += meta("Period", st.equity_points ? fmt::format("{} to {} ({} trading days)", st.start.to_string(),
                                                       st.end.to_string(), st.trading_days)
                                         : std::string(kDash));
  out += meta("Capital", fmt::format("{} &rarr; {}", money(st.starting_equity), money(st.ending_equity)));
  out += "</dl>\n";
  if (!record.config_text.empty()) {
    out += fmt::format("<details><summary>Configuration</summary><pre>{}</pre></details>\n",
                       escape(record.config_text));
  }
  return out;
}

}  // namespace

std::string backtest_report_html(const BacktestRecord& record, const PerformanceStats& stats) {
  const ReportAssets& assets = report_assets();
  const std::string title = fmt::format("Kestrel backtest: {}", record.name);
  const std::string period =
      stats.equity_points
          ? fmt::format("{} to {} &middot; {} trading days &middot; benchmark {}", stats.start.to_string(),
                        stats.end.to_string(), stats.trading_days, escape(record.benchmark))
          : "no trading days";

  std::string html;
  html.reserve(assets.uplot_js.size() + 200'000 + record.equity.size() * 200 + record.trades.size() * 300);
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += fmt::format("<title>{}</title>\n", escape(title));
  html += "<style>\n";
  html += assets.uplot_css;
  html += "\n";
  html += assets.page_css;
  html += "</style>\n</head>\n<body>\n";
  html += fmt::format(
      "<header class=\"top\"><div><h1><span class=\"brand\">Kestrel</span>{}</h1><div class=\"sub\">{}</div></div>"
      "</header>\n",
      escape(record.name), period);
  html += "<main>\n";
  if (!record.flags.empty()) {
    // Before any number: a run that did nothing useful must not look like a clean result.
    html += "<section class=\"panel flags\" id=\"flags\"><h2>Flags<span class=\"note\">read these before the "
            "figures</span></h2><ul>";
    for (const auto& f : record.flags) html += fmt::format("<li>{}</li>", escape(f));
    html += "</ul></section>\n";
  }
  html += kpis(record, stats);
  html += chart_panel("equity", fmt::format("Equity vs {}", escape(record.benchmark)),
                      "benchmark rescaled to the starting capital");
  html += chart_panel("drawdown", "Drawdown", "from the running peak");
  html += chart_panel("rolling-sharpe", "Rolling Sharpe ratio",
                      fmt::format("{} trading days, annualised", kRollingSharpeWindow));
  html += chart_panel("exposure", "Exposure", "share of equity; open positions on the right axis");
  html += fmt::format("<section class=\"panel\"><h2>Monthly returns<span class=\"note\">%</span></h2>{}</section>\n",
                      monthly_heatmap(record));
  html += "<div class=\"stats-grid\">\n";
  html += fmt::format("<section class=\"panel\"><h2>Performance</h2>{}</section>\n", performance_table(record, stats));
  html += fmt::format("<section class=\"panel\"><h2>Trading activity</h2>{}</section>\n", activity_table(stats));
  html += "</div>\n";
  if (record.risk) html += risk_section(*record.risk);
  html += fmt::format("<section class=\"panel\"><h2>Trades<span class=\"note\">{} closed</span></h2>{}</section>\n",
                      record.trades.size(), trades_table(record));
  html += fmt::format("<section class=\"panel\"><h2>Run</h2>{}</section>\n", metadata(record, stats));
  html += "</main>\n";
  html += fmt::format(
      "<footer>Written by Kestrel &middot; charts drawn with uPlot {} (MIT licence, embedded in this "
      "page)</footer>\n",
      assets.uplot_version);
  html += "<script type=\"application/json\" id=\"report-data\">";
  html += chart_data_json(record);
  html += "</script>\n<script>\n/*\n";
  html += assets.uplot_license;
  html += "*/\n";
  html += assets.uplot_js;
  html += "\n</script>\n<script>\n";
  html += assets.page_js;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace kestrel::analysis
