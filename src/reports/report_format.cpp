#include "reports/report_format.hpp"

#include <cmath>

#include <fmt/format.h>

#include "analysis/html_escape.hpp"

namespace kestrel::reports {

std::string escape(std::string_view text) { return analysis::html_escape(text); }

std::string pct(double v, int digits) {
  return std::isfinite(v) ? fmt::format("{:+.{}f}%", v * 100, digits) : std::string(kDash);
}
std::string plain_pct(double v, int digits) {
  return std::isfinite(v) ? fmt::format("{:.{}f}%", v * 100, digits) : std::string(kDash);
}
std::string num(double v, int digits) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : std::string(kDash); }
std::string money(double v) {
  if (!std::isfinite(v)) return std::string(kDash);
  const std::string digits = fmt::format("{:.2f}", std::abs(v));
  const std::size_t whole = digits.find('.');
  std::string out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < whole; ++i) {
    if (i > 0 && (whole - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + digits.substr(whole);
}
std::string signed_money(double v) { return std::isfinite(v) && v > 0 ? fmt::format("+{}", money(v)) : money(v); }
std::string tone(double v) { return !std::isfinite(v) || v == 0 ? "" : (v > 0 ? " class=\"pos\"" : " class=\"neg\""); }
std::string axis_money(double v) {
  return std::abs(v) >= 1e6 ? fmt::format("{:.2f}M", v / 1e6) : fmt::format("{:.0f}k", v / 1e3);
}

const std::string_view kReportStyle = R"(
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font: 12px/1.45 "DejaVu Sans", system-ui, sans-serif; color: #0f172a; margin: 0 auto; max-width: 960px; padding: 16px; }
h1 { font-size: 20px; margin: 0 0 2px; }
h2 { font-size: 15px; margin: 18px 0 6px; border-bottom: 1px solid #e2e8f0; padding-bottom: 3px; break-after: avoid; }
.sub { color: #64748b; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; break-inside: auto; }
tr { break-inside: avoid; }
th, td { text-align: right; padding: 3px 6px; border-bottom: 1px solid #e2e8f0; white-space: nowrap; }
td.text, th.text { white-space: normal; }
th:first-child, td:first-child, td.text, th.text { text-align: left; }
th { background: #f1f5f9; font-weight: 600; }
.pos { color: #15803d; } .neg { color: #b91c1c; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; margin: 12px 0; }
.card { border: 1px solid #e2e8f0; border-radius: 6px; padding: 8px 10px; }
.card .label { color: #64748b; font-size: 10px; text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 17px; font-weight: 600; }
.note { color: #64748b; font-size: 11px; }
.flag { color: #b91c1c; font-weight: 600; }
.empty { color: #64748b; }
svg.chart { width: 100%; height: auto; }
table.heatmap td { text-align: center; font-size: 11px; padding: 4px 2px; border: 1px solid #fff; }
table.heatmap td:first-child, table.heatmap th:first-child { text-align: left; font-weight: 600; }
table.heatmap th { text-align: center; }
table.heatmap td.year { font-weight: 600; }
)";

}  // namespace kestrel::reports
