#include "analysis/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "analysis/html_escape.hpp"

namespace kestrel::analysis {

namespace {

constexpr int kLeft = 64, kRight = 12, kTop = 12, kAxis = 28, kLegendRow = 16;

int legend_width(const std::string& label) { return 24 + static_cast<int>(label.size()) * 7; }

// Legend rows the labels need within `width`.
int legend_rows(const std::vector<SvgSeries>& series, int width) {
  int rows = 1, x = kLeft;
  for (const auto& s : series) {
    if (x > kLeft && x + legend_width(s.label) > width - kRight) {
      ++rows;
      x = kLeft;
    }
    x += legend_width(s.label);
  }
  return rows;
}

// The legend entries, wrapped onto as many rows as they need below the axis labels.
std::string legend(const std::vector<SvgSeries>& series, int width, int top) {
  std::string out;
  int x = kLeft, y = top;
  for (const auto& s : series) {
    if (x > kLeft && x + legend_width(s.label) > width - kRight) {
      x = kLeft;
      y += kLegendRow;
    }
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"3\" fill=\"{}\"/>"
                       "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#0f172a\">{}</text>\n",
                       x, y - 4, s.color, x + 16, y, html_escape(s.label));
    x += legend_width(s.label);
  }
  return out;
}

// The <svg> element's opening tag and the horizontal grid: five lines from lo to hi, each
// labelled at the left by `format`; `y` maps a value to its pixel row.
template <class Y>
std::string frame_and_grid(int width, int height, double lo, double hi, const Y& y, std::string (*format)(double)) {
  std::string out = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "role=\"img\">\n",
      width, height, width, height);
  for (int k = 0; k <= 4; ++k) {
    const double v = lo + (hi - lo) * k / 4.0;
    out += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e2e8f0\"/>"
                       "<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\" fill=\"#475569\">{}</text>\n",
                       kLeft, width - kRight, y(v), y(v), kLeft - 6, y(v) + 4, format(v));
  }
  return out;
}

std::string polyline(const std::string& points, const std::string& color, const char* dash = "") {
  return fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.6\"{} points=\"{}\"/>\n", color,
                     *dash != 0 ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "", points);
}

}  // namespace

std::string svg_line_chart(std::span<const core::Date> dates, const std::vector<SvgSeries>& series, int width,
                           int height, std::string (*format)(double)) {
  const int kBottom = kAxis + kLegendRow * legend_rows(series, width);
  height += kBottom - (kAxis + kLegendRow);  // the plot keeps its height when the legend wraps
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
  std::string out = frame_and_grid(width, height, lo, hi, y, format);
  // Date labels: the first, the last, and three between.
  for (int k = 0; k <= 4; ++k) {
    const std::size_t i = (dates.size() - 1) * static_cast<std::size_t>(k) / 4;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"{}\" fill=\"#475569\">{}</text>\n",
                       x(i), height - kBottom + 16, k == 0 ? "start" : k == 4 ? "end" : "middle",
                       dates[i].to_string());
  }
  // The series, each a polyline broken where values are missing, then the legend.
  for (const auto& s : series) {
    std::string points;
    auto flush = [&] {
      if (!points.empty()) out += polyline(points, s.color);
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
  }
  out += legend(series, width, height - kBottom + kAxis + 12);
  out += "</svg>";
  return out;
}

std::string svg_xy_chart(const std::vector<SvgXySeries>& series, int width, int height, double lo, double hi,
                         std::string (*format)(double), bool diagonal) {
  std::vector<SvgSeries> named;
  for (const auto& s : series) named.push_back({s.label, s.color, {}});
  const int kBottom = kAxis + kLegendRow * legend_rows(named, width);
  height += kBottom - (kAxis + kLegendRow);
  const double plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  const auto x = [&](double v) { return kLeft + plot_w * (v - lo) / (hi - lo); };
  const auto y = [&](double v) { return kTop + plot_h * (1 - (v - lo) / (hi - lo)); };
  std::string out = frame_and_grid(width, height, lo, hi, y, format);
  for (int k = 0; k <= 4; ++k) {  // the same values along x
    const double v = lo + (hi - lo) * k / 4.0;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#475569\">{}</text>\n",
                       x(v), height - kBottom + 16, format(v));
  }
  if (diagonal) out += polyline(fmt::format("{:.1f},{:.1f} {:.1f},{:.1f}", x(lo), y(lo), x(hi), y(hi)), "#94a3b8", "4 3");
  for (const auto& s : series) {
    std::string points;
    for (const auto& [px, py] : s.points) {
      if (!std::isfinite(px) || !std::isfinite(py)) continue;
      const double cx = x(std::clamp(px, lo, hi)), cy = y(std::clamp(py, lo, hi));
      points += fmt::format("{:.1f},{:.1f} ", cx, cy);
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>", cx, cy, s.color);
    }
    if (!points.empty()) out += polyline(points, s.color);
  }
  out += legend(named, width, height - kBottom + kAxis + 12);
  out += "</svg>";
  return out;
}

}  // namespace kestrel::analysis
