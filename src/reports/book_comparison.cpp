#include "reports/book_comparison.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "analysis/svg_chart.hpp"
#include "core/atomic_file.hpp"
#include "reports/report_format.hpp"
#include "server/dashboard_snapshot.hpp"

namespace kestrel::reports {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Fewer common sessions than this and the test says little whatever its p-value.
constexpr std::size_t kFewSessions = 60;

std::vector<double> daily_returns(const std::vector<double>& equity) {
  std::vector<double> r;
  for (std::size_t i = 1; i < equity.size(); ++i) {
    r.push_back(equity[i - 1] > 0 && std::isfinite(equity[i]) ? equity[i] / equity[i - 1] - 1 : kNaN);
  }
  return r;
}

core::Result<server::DashboardSnapshot> read_book(store::Journal& journal, const std::string& run_id) {
  server::SnapshotOptions options;
  options.run_id = run_id;
  options.extra_benchmarks = {};
  options.recent = 0;
  auto s = server::read_snapshot(journal, options);
  if (!s) return std::unexpected(s.error());
  if (s->dates.empty()) return core::fail("{}: run {} has journaled no session yet", journal.name(), s->run.run_id);
  return s;
}

core::Result<BookSummary> summarise(const std::string& label, const server::DashboardSnapshot& s, store::Journal& journal,
                      const std::vector<core::Date>& common) {
  BookSummary b{.label = label, .name = s.run.name, .run_id = s.run.run_id, .mode = s.run.mode,
                .sessions = s.dates.size(), .initial_equity = s.initial_equity, .stats = {},
                .traded = 0, .commissions = 0, .fills = 0, .wins = s.wins,
                .losses = s.losses, .halted = s.halted, .halt_reason = s.halt_reason, .equity = {}};
  for (std::size_t i = 0, k = 0; i < s.dates.size() && k < common.size(); ++i) {
    if (s.dates[i] == common[k]) {
      b.equity.push_back(s.equity[i]);
      ++k;
    }
  }
  const auto r = daily_returns(b.equity);
  b.stats = analysis::compute_series_stats(r);
  auto events = journal.events(s.run.run_id);
  if (!events) return std::unexpected(events.error());
  {
    for (const auto& e : *events) {
      // Fills up to the last common session (event times are nanoseconds since the epoch, UTC).
      const auto day = static_cast<std::int32_t>(e.ts / 1'000'000'000 / 86'400);
      if (e.kind != "fill" || day > common.back().days()) continue;
      ++b.fills;
      b.traded += std::abs(e.quantity * e.price);
      b.commissions += e.commission;
    }
  }
  return b;
}

}  // namespace

core::Result<BookComparison> compare_books(store::Journal& a, const std::string& run_a, store::Journal& b,
                                           const std::string& run_b) {
  auto sa = read_book(a, run_a);
  if (!sa) return std::unexpected(sa.error());
  auto sb = read_book(b, run_b);
  if (!sb) return std::unexpected(sb.error());
  if (&a == &b && sa->run.run_id == sb->run.run_id) {
    return core::fail("{}: A and B are the same run ({}): name two runs", a.name(), sa->run.run_id);
  }
  BookComparison c;
  std::set_intersection(sa->dates.begin(), sa->dates.end(), sb->dates.begin(), sb->dates.end(),
                        std::back_inserter(c.dates));
  if (c.dates.size() < 2) {
    return core::fail("runs {} ({} .. {}) and {} ({} .. {}) share {} session(s): nothing to compare", sa->run.run_id,
                      sa->dates.front().to_string(), sa->dates.back().to_string(), sb->run.run_id,
                      sb->dates.front().to_string(), sb->dates.back().to_string(), c.dates.size());
  }
  auto book_a = summarise("A", *sa, a, c.dates);
  if (!book_a) return std::unexpected(book_a.error());
  auto book_b = summarise("B", *sb, b, c.dates);
  if (!book_b) return std::unexpected(book_b.error());
  c.a = std::move(*book_a);
  c.b = std::move(*book_b);
  const auto ra = daily_returns(c.a.equity), rb = daily_returns(c.b.equity);
  c.difference = analysis::paired_difference(ra, rb);

  if (!sa->benchmarks.empty()) {
    const auto& series = sa->benchmarks.front();
    c.benchmark = series.name;
    for (std::size_t i = 0, k = 0; i < sa->dates.size() && k < c.dates.size(); ++i) {
      if (sa->dates[i] == c.dates[k]) {
        c.benchmark_equity.push_back(series.values[i]);
        ++k;
      }
    }
    // Scaled to book A's equity on the first common session.
    const double first = c.benchmark_equity.front();
    for (auto& v : c.benchmark_equity) v = first > 0 ? c.a.equity.front() * v / first : kNaN;
    c.benchmark_stats = analysis::compute_series_stats(daily_returns(c.benchmark_equity));
  }

  if (c.dates.size() < std::max(sa->dates.size(), sb->dates.size())) {
    c.flags.push_back(fmt::format("the runs cover different sessions (A {}, B {}): only the {} both journaled are "
                                  "compared",
                                  sa->dates.size(), sb->dates.size(), c.dates.size()));
  }
  for (const auto* book : {&c.a, &c.b}) {
    if (book->fills == 0) {
      c.flags.push_back(fmt::format("book {} ({}) made no trade: it held cash, so the comparison says nothing about "
                                    "its strategy",
                                    book->label, book->name));
    }
    if (book->halted) {
      c.flags.push_back(fmt::format("book {} ({}) is halted: {}", book->label, book->name,
                                    book->halt_reason.empty() ? "kill switch" : book->halt_reason));
    }
  }
  if (std::abs(c.a.initial_equity - c.b.initial_equity) > 0.005) {
    c.flags.push_back(fmt::format("the books started with different capital ({} and {}): returns are compared, "
                                  "not dollars",
                                  money(c.a.initial_equity), money(c.b.initial_equity)));
  }
  if (c.dates.size() < kFewSessions) {
    c.flags.push_back(fmt::format("{} common sessions are too few to tell two strategies apart", c.dates.size()));
  }
  return c;
}

namespace {

// Where the books stand against simply holding the benchmark over the same sessions.
std::string against_benchmark(const BookComparison& c) {
  if (c.benchmark.empty() || !std::isfinite(c.benchmark_stats.total_return)) return {};
  const double bench = c.benchmark_stats.total_return;
  const bool a_behind = c.a.stats.total_return < bench, b_behind = c.b.stats.total_return < bench;
  const std::string held = fmt::format("buy-and-hold {} ({})", c.benchmark, pct(bench));
  if (a_behind && b_behind) return fmt::format(" Both books trailed {} over the same sessions.", held);
  if (!a_behind && !b_behind) return fmt::format(" Both books beat {} over the same sessions.", held);
  return fmt::format(" Only {} beat {} over the same sessions.", a_behind ? "B" : "A", held);
}

std::string difference_verdict(const BookComparison& c) {
  const auto& d = c.difference;
  if (!std::isfinite(d.mean)) return "No verdict: too few common sessions.";
  if (d.mean == 0 && d.standard_error == 0) return "The two books had the same return every session: no difference.";
  const std::string interval = fmt::format("95% interval {} to {} a year", pct(d.annual_low), pct(d.annual_high));
  if (d.p_value < 0.05) {
    const bool b_ahead = d.mean > 0;
    return fmt::format("{} ({}) earned {} a year more than {} ({}) on average ({}; p = {:.3f}): more than noise "
                       "explains at the 5% level.",
                       b_ahead ? "B" : "A", b_ahead ? c.b.name : c.a.name, plain_pct(std::abs(d.annual_mean), 2),
                       b_ahead ? "A" : "B", b_ahead ? c.a.name : c.b.name, interval, d.p_value);
  }
  return fmt::format("No difference beyond noise: B minus A is {} a year ({}; p = {:.3f}). Over {} sessions a true "
                     "difference smaller than about {} a year would usually go unseen.",
                     pct(d.annual_mean), interval, d.p_value, c.dates.size(), plain_pct(d.annual_detectable, 1));
}

}  // namespace

std::string comparison_verdict(const BookComparison& c) { return difference_verdict(c) + against_benchmark(c); }

namespace {

struct Row {
  std::string label;
  const analysis::SeriesStats* stats;
  const BookSummary* book;  // null for the benchmark
};

std::vector<std::vector<std::string>> table_rows(const BookComparison& c) {
  std::vector<Row> rows = {{fmt::format("A: {}", c.a.name), &c.a.stats, &c.a}, {fmt::format("B: {}", c.b.name), &c.b.stats, &c.b}};
  if (!c.benchmark.empty()) rows.push_back({fmt::format("buy-and-hold {}", c.benchmark), &c.benchmark_stats, nullptr});
  std::vector<std::vector<std::string>> out;
  for (const auto& r : rows) {
    const auto& s = *r.stats;
    const auto* b = r.book;
    const double capital = b != nullptr ? b->initial_equity : kNaN;
    out.push_back({r.label, pct(s.total_return), pct(s.annual_return),
                   plain_pct(s.annual_volatility), num(s.sharpe), plain_pct(-s.max_drawdown, 2),
                   b != nullptr ? fmt::format("{}", b->fills) : std::string(kDash),
                   b != nullptr && capital > 0 ? fmt::format("{:.1f}x", b->traded / capital) : std::string(kDash),
                   b != nullptr ? money(b->commissions) : std::string(kDash),
                   b != nullptr ? fmt::format("{} / {}", b->wins, b->losses) : std::string(kDash)});
  }
  return out;
}

// "traded": bought and sold as a multiple of the starting capital; "won / lost": round trips.
const std::vector<std::string> kHeader = {"book", "total return", "CAGR", "volatility", "Sharpe", "max drawdown",
                                          "fills", "traded", "commissions", "won / lost"};

std::vector<std::string> test_lines(const BookComparison& c) {
  const auto& d = c.difference;
  return {fmt::format("sessions compared: {} ({} to {}), {} daily returns", c.dates.size(), c.dates.front().to_string(),
                      c.dates.back().to_string(), d.days),
          fmt::format("mean daily return difference B - A: {} ({} a year)", pct(d.mean, 4), pct(d.annual_mean)),
          fmt::format("standard error (Newey-West, {} lags): {} a day; t = {}; two-sided p = {}", d.lags,
                      plain_pct(d.standard_error, 4), num(d.t, 2), num(d.p_value, 3)),
          fmt::format("95% interval of the yearly difference: {} to {}", pct(d.annual_low), pct(d.annual_high)),
          fmt::format("smallest yearly difference these sessions detect (5% level, 80% power): {}",
                      plain_pct(d.annual_detectable, 1))};
}

std::string drawdown_axis(double v) { return fmt::format("{:.0f}%", 100 * v); }

std::vector<double> drawdowns(const std::vector<double>& equity) {
  std::vector<double> out;
  double peak = 0;
  for (double e : equity) {
    if (!std::isfinite(e)) {
      out.push_back(kNaN);
      continue;
    }
    peak = std::max(peak, e);
    out.push_back(peak > 0 ? e / peak - 1 : 0);
  }
  return out;
}

}  // namespace

core::Result<ComparisonFiles> write_book_comparison(const BookComparison& c, const std::filesystem::path& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "A/B comparison: cannot create {}: {}", out_dir.string(), ec.message());
  const ComparisonFiles files{out_dir / "ab-comparison.md", out_dir / "ab-comparison.html"};
  const auto rows = table_rows(c);
  const std::string title = fmt::format("A/B comparison: {} against {}", c.a.name, c.b.name);
  const std::string verdict = comparison_verdict(c);

  std::string md = fmt::format("# {}\n\n", title);
  md += fmt::format("- A: {} run {} ({}), B: {} run {} ({}), on separate books\n", c.a.name, c.a.run_id, c.a.mode,
                    c.b.name, c.b.run_id, c.b.mode);
  for (const auto& f : c.flags) md += fmt::format("- FLAGGED: {}\n", f);
  md += fmt::format("\n**Verdict:** {}\n\n## The books over the same sessions\n\n|", verdict);
  for (const auto& h : kHeader) md += " " + h + " |";
  md += "\n|---|";
  for (std::size_t k = 1; k < kHeader.size(); ++k) md += "---:|";
  md += "\n";
  for (const auto& row : rows) {
    md += "|";
    for (const auto& cell : row) md += " " + cell + " |";
    md += "\n";
  }
  md += "\n## Is the difference more than noise?\n\n";
  for (const auto& line : test_lines(c)) md += "- " + line + "\n";
  md += "\n\"traded\" is the value bought and sold as a multiple of the starting capital; \"won / lost\" counts "
        "the round trips each run closed.\n";
  md += "\nCharts (equity and drawdowns of both books and the benchmark): ab-comparison.html\n";

  std::string html = fmt::format(
      "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title><style>{1}</style></head>"
      "<body><h1>{0}</h1><div class=\"sub\">A: {2} run {3} ({4}) · B: {5} run {6} ({7}) · separate books · "
      "sessions {8} to {9}</div>",
      escape(title), kReportStyle, escape(c.a.name), c.a.run_id, escape(c.a.mode), escape(c.b.name), c.b.run_id,
      escape(c.b.mode), c.dates.front().to_string(), c.dates.back().to_string());
  for (const auto& f : c.flags) html += fmt::format("<p class=\"flag\">FLAGGED: {}</p>", escape(f));
  html += fmt::format("<p><strong>Verdict:</strong> {}</p><h2>The books over the same sessions</h2><table><thead><tr>",
                      escape(verdict));
  for (const auto& h : kHeader) html += "<th>" + escape(h) + "</th>";
  html += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (const auto& cell : row) html += "<td>" + escape(cell) + "</td>";
    html += "</tr>";
  }
  html += "</tbody></table><p class=\"note\">Traded: the value bought and sold as a multiple of the starting "
          "capital. Won / lost: the round trips each run closed.</p>";
  std::vector<analysis::SvgSeries> equity = {{"A: " + c.a.name, "#2563eb", c.a.equity}, {"B: " + c.b.name, "#dc2626", c.b.equity}};
  std::vector<analysis::SvgSeries> drawdown = {{"A: " + c.a.name, "#2563eb", drawdowns(c.a.equity)},
                                               {"B: " + c.b.name, "#dc2626", drawdowns(c.b.equity)}};
  if (!c.benchmark.empty()) {
    equity.push_back({"buy-and-hold " + c.benchmark, "#111827", c.benchmark_equity});
    drawdown.push_back({"buy-and-hold " + c.benchmark, "#111827", drawdowns(c.benchmark_equity)});
  }
  html += "<h2>Equity</h2>" + analysis::svg_line_chart(c.dates, equity, 900, 280, axis_money);
  html += "<h2>Drawdowns</h2>" + analysis::svg_line_chart(c.dates, drawdown, 900, 200, drawdown_axis);
  html += "<h2>Is the difference more than noise?</h2><ul>";
  for (const auto& line : test_lines(c)) html += "<li>" + escape(line) + "</li>";
  html += "</ul><p class=\"note\">The test pairs the books' returns session by session, so the market they share "
          "cancels; its standard error allows for autocorrelation (Newey-West). A p-value under 0.05 over a short run "
          "is still one draw: a strategy chosen because it won an A/B run is a selected strategy. Past results say "
          "little about future ones.</p></body></html>\n";

  if (auto s = core::write_file_atomically(files.markdown, md); !s) return std::unexpected(s.error());
  if (auto s = core::write_file_atomically(files.html, html); !s) return std::unexpected(s.error());
  return files;
}

}  // namespace kestrel::reports
