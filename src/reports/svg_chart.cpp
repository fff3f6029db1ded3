#include "reports/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace kestrel::reports {

std::string svg_line_chart(std::span<const core::Date> dates, const std::vector<SvgSeries>& series, int width,
                           int height, std::string (*format)(double)) {
  constexpr int kLeft = 64, kRight = 12, kTop = 12, kBottom = 44;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : series) {
    for (double v : s.values) {
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  }
  if (dates.size() < 2 || !std::isfinite(lo)) {
    return "<p class=\"empty\">Not enough sessions for a chart.</p>";
  }
  if (hi == lo) {
    hi += std::abs(hi) * 0.01 + 1e-9;
    lo -= std::abs(lo) * 0.01 + 1e-9;
  }
  const double plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  const auto x = [&](std::size_t i) { return kLeft + plot_w * static_cast<double>(i) / static_cast<double>(dates.size() - 1); };
  const auto y = [&](double v) { return kTop + plot_h * (1 - (v - lo) / (hi - lo)); };
  std::string out = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "role=\"img\">\n",
      width, height, width, height);
  // Horizontal grid with labels.
  for (int k = 0; k <= 4; ++k) {
    const double v = lo + (hi - lo) * k / 4.0;
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e2e8f0\"/>"
                       "<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\" fill=\"#475569\">{}</text>\n",
                       kLeft, width - kRight, y(v), y(v), kLeft - 6, y(v) + 4, format(v));
  }
  // Date labels: the first, the last, and three between.
  for (int k = 0; k <= 4; ++k) {
    const std::size_t i = (dates.size() - 1) * static_cast<std::size_t>(k) / 4;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"{}\" fill=\"#475569\">{}</text>\n",
                       x(i), height - kBottom + 16, k == 0 ? "start" : k == 4 ? "end" : "middle",
                       dates[i].to_string());
  }
  // The series, each a polyline broken where values are missing, and its legend entry.
  int legend_x = kLeft;
  for (const auto& s : series) {
    std::string points;
    auto flush = [&] {
      if (!points.empty()) {
        out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\" points=\"{}\"/>\n", s.color,
                           points);
      }
      points.clear();
    };
    for (std::size_t i = 0; i < s.values.size() && i < dates.size(); ++i) {
      if (!std::isfinite(s.values[i])) {
        flush();
        continue;
      }
      points += fmt::format("{:.1f},{:.1f} ", x(i), y(s.values[i]));
    }
    flush();
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"{}\"/>"
                       "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#0f172a\">{}</text>\n",
                       legend_x, height - 12, s.color, legend_x + 16, height - 8, s.label);
    legend_x += 24 + static_cast<int>(s.label.size()) * 7;
  }
  out += "</svg>";
  return out;
}

}  // namespace kestrel::reports
