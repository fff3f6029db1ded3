#include "analysis/monthly_heatmap.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "analysis/period_returns.hpp"

namespace kestrel::analysis {
namespace {

// Background for a heatmap cell: white blending into green (gains) or red (losses) with the
// size of the return relative to the largest monthly move.
std::string heat_style(double v, double largest) {
  if (!std::isfinite(v) || largest <= 0) return "";
  const double strength = std::min(std::abs(v) / largest, 1.0) * 0.85;
  const std::array<double, 3> target = v >= 0 ? std::array{22.0, 163.0, 74.0} : std::array{220.0, 38.0, 38.0};
  const auto channel = [&](double c) { return static_cast<int>(std::lround(255 + (c - 255) * strength)); };
  return fmt::format(" style=\"background:rgb({},{},{});color:{}\"", channel(target[0]), channel(target[1]),
                     channel(target[2]), strength > 0.55 ? "#fff" : "#0f172a");
}

}  // namespace

std::string monthly_heatmap_html(std::span<const core::Date> dates, std::span<const double> returns) {
  if (returns.empty()) return "<div class=\"empty\">Not enough days for monthly returns.</div>";
  const auto months = monthly_returns(dates, returns);
  const auto years = yearly_returns(dates, returns);
  double largest = 0;
  std::map<std::pair<int, unsigned>, double> by_month;
  for (const auto& m : months) {
    by_month[{m.year, m.month}] = m.value;
    largest = std::max(largest, std::abs(m.value));
  }
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::string out = "<table class=\"heatmap\"><thead><tr><th>Year</th>";
  for (auto m : kMonths) out += fmt::format("<th>{}</th>", m);
  out += "<th>Year</th></tr></thead><tbody>\n";
  for (const auto& y : years) {
    out += fmt::format("<tr><td>{}</td>", y.year);
    for (unsigned month = 1; month <= 12; ++month) {
      const auto it = by_month.find({y.year, month});
      if (it == by_month.end()) {
        out += "<td></td>";
      } else {
        out += fmt::format("<td{}>{}</td>", heat_style(it->second, largest),
                           std::isfinite(it->second) ? fmt::format("{:.1f}", it->second * 100) : "\u2013");
      }
    }
    const std::string_view sign = !std::isfinite(y.value) || y.value == 0 ? "" : (y.value > 0 ? "pos" : "neg");
    out += fmt::format("<td class=\"year {}\">{}</td></tr>\n", sign,
                       std::isfinite(y.value) ? fmt::format("{:.1f}%", y.value * 100) : "\u2013");
  }
  out += "</tbody></table>";
  return out;
}

}  // namespace kestrel::analysis
