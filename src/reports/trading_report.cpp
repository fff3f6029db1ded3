#include "reports/trading_report.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "analysis/html_escape.hpp"
#include "analysis/monthly_heatmap.hpp"
#include "analysis/pdf_printer.hpp"
#include "analysis/return_stats.hpp"
#include "live/live_clock.hpp"
#include "analysis/svg_chart.hpp"
#include "core/atomic_file.hpp"
#include "reports/report_format.hpp"
#include "server/dashboard_snapshot.hpp"

namespace kestrel::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

core::Date date_of_ns(std::int64_t ns) {
  return core::Date::from_days(static_cast<std::int32_t>(ns / 1'000'000'000 / 86'400));
}

// The first session of the period that ends with `d`.
core::Date period_start(ReportPeriod period, core::Date d) {
  switch (period) {
    case ReportPeriod::Daily: return d;
    case ReportPeriod::Weekly: return d - static_cast<std::int32_t>(d.weekday());  // Monday
    case ReportPeriod::Monthly: return core::Date::from_ymd(d.year(), d.month(), 1);
  }
  return d;
}

// Daily simple returns of `levels` over [from, to] (the first one against the day before).
std::vector<double> window_returns(const std::vector<double>& levels, std::size_t from, std::size_t to) {
  std::vector<double> r;
  for (std::size_t i = std::max<std::size_t>(from, 1); i <= to; ++i) {
    r.push_back(levels[i - 1] > 0 && std::isfinite(levels[i]) ? levels[i] / levels[i - 1] - 1 : kNaN);
  }
  return r;
}


struct Context {
  const server::DashboardSnapshot& s;
  const TradingReportOptions& options;
  std::size_t from = 0, to = 0;  // indices into s.dates
  double base_equity = 0;        // equity before the window
  std::vector<server::RoundTrip> trades;  // closed in the window
  std::vector<store::JournalPosition> positions;
  std::vector<store::JournalDecision> events;  // risk, reconciliation and control decisions in the window
};

std::string card(std::string_view label, const std::string& value, const std::string& extra = {}) {
  return fmt::format("<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"note\">{}</div></div>",
                     label, value, extra);
}

std::string sector_of(const Context& c, const std::string& ticker) {
  if (c.options.market == nullptr) return {};
  const auto i = c.options.market->ticker_index(ticker);
  return i ? c.options.market->sectors()[*i] : std::string();
}

std::string summary_section(const Context& c) {
  const auto& s = c.s;
  const double equity = s.equity[c.to];
  const double pnl = equity - c.base_equity;
  const double ret = c.base_equity > 0 ? equity / c.base_equity - 1 : kNaN;
  const double drawdown = -s.drawdowns[c.to];
  const double max_dd = -*std::min_element(s.drawdowns.begin(), s.drawdowns.begin() + static_cast<std::ptrdiff_t>(c.to + 1));
  int wins = 0, losses = 0;
  for (const auto& t : c.trades) (t.pnl > 0 ? wins : losses) += 1;
  std::string out = "<section class=\"cards\">";
  out += card("Equity", money(equity), fmt::format("close of {}", s.dates[c.to].to_string()));
  out += card("P&amp;L this period", fmt::format("<span{}>{}</span>", tone(pnl), signed_money(pnl)), pct(ret));
  out += card("Since the first session", pct(s.initial_equity > 0 ? equity / s.initial_equity - 1 : kNaN),
              fmt::format("from {}", s.run.first_date.to_string()));
  out += card("Drawdown", plain_pct(-drawdown, 2), fmt::format("worst so far {}", plain_pct(-max_dd, 2)));
  out += "</section>";
  // The same days for the benchmarks.
  out += "<table><thead><tr><th>Over the period</th><th>Return</th><th>P&amp;L on the same capital</th></tr></thead><tbody>";
  out += fmt::format("<tr><td>{}</td><td{}>{}</td><td>{}</td></tr>", escape(s.run.name), tone(ret), pct(ret),
                     signed_money(pnl));
  for (const auto& b : s.benchmarks) {
    const double before = c.from > 0 ? b.values[c.from - 1] : b.values[c.from];
    const double r = before > 0 ? b.values[c.to] / before - 1 : kNaN;
    out += fmt::format("<tr><td>{} (buy and hold)</td><td{}>{}</td><td>{}</td></tr>", escape(b.name), tone(r), pct(r),
                       signed_money(r * c.base_equity));
  }
  out += "</tbody></table>";
  out += fmt::format("<p class=\"note\">Closed trades this period: {} won, {} lost.</p>", wins, losses);
  return out;
}

std::string chart_section(const Context& c) {
  const auto& s = c.s;
  // Some context before a short period.
  const std::size_t lookback = c.options.period == ReportPeriod::Daily    ? 30
                               : c.options.period == ReportPeriod::Weekly ? 65
                                                                          : c.to + 1;
  const std::size_t first = c.to + 1 > lookback ? c.to + 1 - lookback : 0;
  std::vector<core::Date> dates(s.dates.begin() + static_cast<std::ptrdiff_t>(first),
                                s.dates.begin() + static_cast<std::ptrdiff_t>(c.to + 1));
  auto slice = [&](const std::vector<double>& v) {
    return std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(first), v.begin() + static_cast<std::ptrdiff_t>(c.to + 1));
  };
  std::vector<analysis::SvgSeries> series = {{"Equity", "#2563eb", slice(s.equity)}};
  static constexpr const char* kColors[] = {"#94a3b8", "#f59e0b", "#10b981"};
  for (std::size_t k = 0; k < s.benchmarks.size(); ++k) {
    series.push_back({s.benchmarks[k].name + " (same start)", kColors[k % 3], slice(s.benchmarks[k].values)});
  }
  return fmt::format("<h2>Equity against the benchmarks, {} to {}</h2>{}", dates.front().to_string(),
                     dates.back().to_string(), analysis::svg_line_chart(dates, series, 900, 260, axis_money));
}

std::string positions_section(const Context& c) {
  std::string out = fmt::format("<h2>Open positions at the close of {} ({})</h2>", c.s.dates[c.to].to_string(),
                                c.positions.size());
  if (c.positions.empty()) return out + "<p class=\"empty\">No open positions.</p>";
  out += "<table><thead><tr><th>Ticker</th><th class=\"text\">Sector</th><th>Shares</th><th>Entry</th><th>Entry date</th>"
         "<th>Price</th><th>Value</th><th>P&amp;L</th><th>P&amp;L %</th><th>Stop</th></tr></thead><tbody>";
  for (const auto& p : c.positions) {
    const double r = p.average_cost != 0 ? (p.last_price / p.average_cost - 1) * (p.quantity < 0 ? -1 : 1) : kNaN;
    out += fmt::format("<tr><td>{}</td><td class=\"text\">{}</td><td>{:.0f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td{}>{}</td><td{}>{}</td><td>{}</td></tr>",
                       escape(p.ticker), escape(sector_of(c, p.ticker)), p.quantity, num(p.average_cost),
                       p.entry_date.to_string(), num(p.last_price), money(p.market_value), tone(p.unrealized),
                       signed_money(p.unrealized), tone(r), pct(r), p.stop_level > 0 ? num(p.stop_level) : std::string(kDash));
  }
  return out + "</tbody></table>";
}

std::string trades_table(const std::vector<server::RoundTrip>& trades) {
  std::string out = "<table><thead><tr><th>Ticker</th><th class=\"text\">Side</th><th>Opened</th><th>Closed</th>"
                    "<th>P&amp;L after costs</th></tr></thead><tbody>";
  for (const auto& t : trades) {
    out += fmt::format("<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>",
                       escape(t.ticker), t.long_side ? "long" : "short", date_of_ns(t.opened_ns).to_string(),
                       date_of_ns(t.closed_ns).to_string(), tone(t.pnl), signed_money(t.pnl));
  }
  return out + "</tbody></table>";
}

std::string trades_section(const Context& c) {
  std::string out = fmt::format("<h2>Trades closed ({})</h2>", c.trades.size());
  if (c.trades.empty()) return out + "<p class=\"empty\">No trade was closed in this period.</p>";
  double won = 0, lost = 0;
  int wins = 0;
  for (const auto& t : c.trades) {
    if (t.pnl > 0) {
      won += t.pnl;
      ++wins;
    } else {
      lost -= t.pnl;
    }
  }
  out += fmt::format("<p>Win rate {} ({} of {}); profit factor {} (gains {} / losses {}); net {}.</p>",
                     plain_pct(static_cast<double>(wins) / static_cast<double>(c.trades.size())), wins, c.trades.size(),
                     lost > 0 ? num(won / lost) : std::string(kDash), money(won), money(lost), signed_money(won - lost));
  if (c.options.period == ReportPeriod::Daily || c.trades.size() <= 10) return out + trades_table(c.trades);
  auto sorted = c.trades;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.pnl > b.pnl; });
  out += fmt::format("<h3>Best five</h3>{}", trades_table({sorted.begin(), sorted.begin() + 5}));
  out += fmt::format("<h3>Worst five</h3>{}", trades_table({sorted.end() - 5, sorted.end()}));
  return out;
}

std::string predictions_section(const Context& c) {
  std::string out = "<h2>Predictions against what happened</h2>";
  if (c.options.market == nullptr) {
    return out + "<p class=\"empty\">Needs the run's market data (kestrel report --config or --data).</p>";
  }
  if (c.s.models.empty()) return out + "<p class=\"empty\">This run journaled no model predictions.</p>";
  out += "<p class=\"note\">A prediction is a hit when the stock ends the next session on the same side of that day's "
         "median return as its score is of the day's median score: 50% is a coin flip.</p>";
  out += "<table><thead><tr><th class=\"text\">Model</th><th>Days scored</th><th>Hit rate this period</th>"
         "<th>Hit rate since the start</th><th>Mean rank IC since the start</th></tr></thead><tbody>";
  const core::Date from = c.s.dates[c.from], to = c.s.dates[c.to];
  for (const auto& m : c.s.models) {
    double sum = 0;
    std::size_t days = 0;
    for (std::size_t k = 0; k < m.dates.size(); ++k) {
      if (m.dates[k] >= from && m.dates[k] <= to) {
        sum += m.daily_hit_rate[k];
        ++days;
      }
    }
    out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", escape(m.model),
                       days, days > 0 ? plain_pct(sum / static_cast<double>(days)) : std::string(kDash),
                       plain_pct(m.hit_rate), num(m.mean_rank_ic, 4));
  }
  return out + "</tbody></table><p class=\"note\">The last session's predictions are scored when the next session's "
               "bars arrive.</p>";
}

std::string sectors_section(const Context& c) {
  std::string out = "<h2>Sector performance</h2>";
  if (c.options.market == nullptr) return out + "<p class=\"empty\">Needs the run's market data for the sectors.</p>";
  std::map<std::string, std::pair<double, double>> by;  // realised this period, unrealised at the close
  for (const auto& t : c.trades) by[sector_of(c, t.ticker)].first += t.pnl;
  for (const auto& p : c.positions) by[sector_of(c, p.ticker)].second += p.unrealized;
  if (by.empty()) return out + "<p class=\"empty\">No trades and no positions.</p>";
  out += "<table><thead><tr><th class=\"text\">Sector</th><th>Realised this period</th><th>Unrealised at the close</th>"
         "</tr></thead><tbody>";
  for (const auto& [sector, v] : by) {
    out += fmt::format("<tr><td class=\"text\">{}</td><td{}>{}</td><td{}>{}</td></tr>",
                       sector.empty() ? "(unknown)" : escape(sector), tone(v.first), signed_money(v.first),
                       tone(v.second), signed_money(v.second));
  }
  return out + "</tbody></table>";
}

std::string risk_adjusted_section(const Context& c) {
  const auto& s = c.s;
  struct Row {
    std::string name;
    std::vector<double> period, inception;
  };
  std::vector<Row> rows = {{s.run.name, window_returns(s.equity, c.from, c.to), window_returns(s.equity, 1, c.to)}};
  for (const auto& b : s.benchmarks) {
    rows.push_back({b.name + " (buy and hold)", window_returns(b.values, c.from, c.to), window_returns(b.values, 1, c.to)});
  }
  std::string out = "<h2>Returns, absolute and risk-adjusted</h2><table><thead><tr><th class=\"text\"></th>"
                    "<th>Month</th><th>Since the start</th><th>Annual volatility</th><th>Sharpe</th><th>Sortino</th>"
                    "<th>Calmar</th><th>Max drawdown</th></tr></thead><tbody>";
  for (const auto& r : rows) {
    out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td></tr>",
                       escape(r.name), pct(analysis::total_return(r.period)), pct(analysis::total_return(r.inception)),
                       plain_pct(analysis::annual_volatility(r.inception)), num(analysis::sharpe_ratio(r.inception)),
                       num(analysis::sortino_ratio(r.inception)), num(analysis::calmar_ratio(r.inception)),
                       plain_pct(analysis::max_drawdown(r.inception), 2));
  }
  out += "</tbody></table><p class=\"note\">Ratios over every session since the run's first (one month of daily "
         "returns is too few for a meaningful Sharpe ratio), annualised with 252 sessions, risk-free rate 0.</p>";
  std::vector<core::Date> dates(s.dates.begin() + 1, s.dates.begin() + static_cast<std::ptrdiff_t>(c.to + 1));
  out += fmt::format("<h2>Monthly returns</h2>{}", analysis::monthly_heatmap_html(dates, rows.front().inception));
  return out;
}

std::string events_section(const Context& c) {
  std::string out = fmt::format("<h2>Risk events and controls ({})</h2>", c.events.size());
  if (c.events.empty()) return out + "<p class=\"empty\">None.</p>";
  out += "<table><thead><tr><th>Session</th><th class=\"text\">Kind</th><th class=\"text\">Detail</th></tr></thead><tbody>";
  std::size_t shown = 0;
  for (auto it = c.events.rbegin(); it != c.events.rend() && shown < 40; ++it, ++shown) {
    out += fmt::format("<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>", it->date.to_string(),
                       escape(it->kind), escape(it->detail));
  }
  out += "</tbody></table>";
  if (c.events.size() > shown) out += fmt::format("<p class=\"note\">The newest {} of {}.</p>", shown, c.events.size());
  return out;
}

std::string health_section(const Context& c) {
  const auto& h = c.s.health;
  std::string out = "<h2>System health</h2><table><tbody>";
  auto row = [&](std::string_view label, const std::string& value) {
    out += fmt::format("<tr><td>{}</td><td class=\"text\">{}</td></tr>", label, value);
  };
  row("Execution", escape(h.execution));
  row("Last session closed", h.last_session ? h.last_session->to_string() : std::string(kDash));
  row("Newest bar in the market data", h.data_last_date ? h.data_last_date->to_string() : "unknown (no market data)");
  if (h.data_stale) {
    row("Market data", fmt::format("<span class=\"flag\">STALE: {} session(s) behind {}</span>", h.data_lag_sessions,
                                   h.expected_date->to_string()));
  }
  row("Node starts / restarts", fmt::format("{} / {}", h.starts, h.restarts));
  row("Last start", escape(h.last_start));
  row("Orders rejected by the venue (run)", std::to_string(c.s.rejections));
  row("Risk state now", c.s.halted ? fmt::format("<span class=\"flag\">HALTED: {}</span>", escape(c.s.halt_reason)) : "trading");
  return out + "</tbody></table>";
}

}  // namespace

std::string_view to_string(ReportPeriod period) {
  switch (period) {
    case ReportPeriod::Daily: return "daily";
    case ReportPeriod::Weekly: return "weekly";
    case ReportPeriod::Monthly: return "monthly";
  }
  return "?";
}

std::filesystem::path trading_report_file(const std::filesystem::path& out_dir, ReportPeriod period, core::Date date,
                                          std::string_view extension) {
  return out_dir / fmt::format("{}-{}{}", to_string(period), date.to_string(), extension);
}

core::Result<TradingReportFiles> write_trading_report(store::Journal& journal, const TradingReportOptions& options,
                                                      const std::filesystem::path& out_dir) {
  auto snapshot = server::read_snapshot(
      journal, {.run_id = options.run_id, .market = options.market, .recent = 50, .now_ns = options.now_ns});
  if (!snapshot) return std::unexpected(snapshot.error());
  const auto& s = *snapshot;
  if (s.dates.empty()) {
    return core::fail_as(core::ErrorKind::NotFound, "report: run {} has no session yet", s.run.run_id);
  }
  Context c{.s = s, .options = options, .from = 0, .to = 0, .base_equity = 0, .trades = {}, .positions = {}, .events = {}};
  const core::Date last = options.date.value_or(s.dates.back());
  const auto at = std::upper_bound(s.dates.begin(), s.dates.end(), last);
  if (at == s.dates.begin()) {
    return core::fail_as(core::ErrorKind::NotFound, "report: run {} has no session on or before {} (its sessions: {} to {})",
                         s.run.run_id, last.to_string(), s.dates.front().to_string(), s.dates.back().to_string());
  }
  c.to = static_cast<std::size_t>(at - s.dates.begin()) - 1;
  const core::Date start = period_start(options.period, s.dates[c.to]);
  c.from = static_cast<std::size_t>(std::lower_bound(s.dates.begin(), s.dates.end(), start) - s.dates.begin());
  c.base_equity = c.from > 0 ? s.equity[c.from - 1] : s.initial_equity;
  const core::Date from = s.dates[c.from], to = s.dates[c.to];

  auto positions = journal.positions(s.run.run_id, to);
  if (!positions) return std::unexpected(positions.error());
  c.positions = std::move(*positions);
  // The snapshot holds every closed trade and every decision of note; the window takes its part.
  for (const auto& t : s.closed_trades) {
    const core::Date closed = date_of_ns(t.closed_ns);
    if (closed >= from && closed <= to) c.trades.push_back(t);
  }
  for (const auto& d : s.events) {
    if (d.date >= from && d.date <= to) c.events.push_back(d);
  }

  const std::string period(to_string(options.period));
  std::string title = period;
  title[0] = static_cast<char>(std::toupper(title[0]));
  std::string html = fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} report — {} — {}</title><style>{}</style>"
      "</head><body><h1>{} report: {}</h1><div class=\"sub\">{} run {} · {} · sessions {} to {} · generated {}</div>",
      title, escape(s.run.name), to.to_string(), kReportStyle, title, escape(s.run.name), escape(s.run.mode), s.run.run_id,
      options.period == ReportPeriod::Daily ? fmt::format("the session of {}", to.to_string())
                                            : fmt::format("{} session(s)", c.to - c.from + 1),
      from.to_string(), to.to_string(), live::iso_time(options.now_ns));
  for (const auto& note : s.notes) html += fmt::format("<p class=\"note\">{}</p>", escape(note));
  html += summary_section(c) + chart_section(c);
  if (options.period == ReportPeriod::Monthly) html += risk_adjusted_section(c);
  html += positions_section(c) + trades_section(c) + predictions_section(c);
  if (options.period != ReportPeriod::Daily) html += sectors_section(c);
  html += events_section(c);
  if (options.period == ReportPeriod::Daily) html += health_section(c);
  html += "<p class=\"note\">Kestrel trading report, from the run's journal";
  html += options.market != nullptr ? " and its market data." : " (no market data given).";
  html += " Past results say little about future ones.</p></body></html>\n";

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "report: cannot create {}: {}", out_dir.string(), ec.message());
  TradingReportFiles files{.html = trading_report_file(out_dir, options.period, to, ".html"), .pdf = {}, .from = from,
                           .to = to};
  if (auto written = core::write_file_atomically(files.html, html); !written) {
    return core::fail_as(core::ErrorKind::Io, "report: {}", written.error().message);
  }
  if (options.pdf) {
    files.pdf = trading_report_file(out_dir, options.period, to, ".pdf");
    if (auto printed = analysis::print_to_pdf(files.html, files.pdf); !printed) return std::unexpected(printed.error());
  }
  return files;
}

}  // namespace kestrel::reports
