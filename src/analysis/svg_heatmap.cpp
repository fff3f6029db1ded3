#include "analysis/svg_heatmap.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "analysis/html_escape.hpp"

namespace kestrel::analysis {

namespace {

// Room for the labels at the left: about 7 px per character of the longest.
int label_width(const std::vector<std::string>& labels) {
  std::size_t longest = 0;
  for (const auto& l : labels) longest = std::max(longest, l.size());
  return 12 + static_cast<int>(longest) * 7;
}

std::string open_svg(int width, int height) {
  return fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "role=\"img\">\n",
      width, height);
}

}  // namespace

std::string svg_heatmap(const std::vector<std::string>& row_labels, const std::vector<std::string>& column_labels,
                        const std::vector<double>& values, int width, int cell_height) {
  const std::size_t rows = row_labels.size(), columns = column_labels.size();
  if (rows == 0 || columns == 0 || values.size() != rows * columns) return {};
  const int left = label_width(row_labels), right = 12, top = 6, bottom = 22;
  const double cell = static_cast<double>(width - left - right) / static_cast<double>(columns);
  const int height = top + cell_height * static_cast<int>(rows) + bottom;
  double hi = 0;
  for (double v : values) {
    if (std::isfinite(v)) hi = std::max(hi, v);
  }
  std::string out = open_svg(width, height);
  for (std::size_t r = 0; r < rows; ++r) {
    const int y = top + cell_height * static_cast<int>(r);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#475569\">{}</text>\n",
                       left - 6, y + cell_height / 2 + 4, html_escape(row_labels[r]));
    for (std::size_t c = 0; c < columns; ++c) {
      const double v = values[r * columns + c];
      const double share = hi > 0 && std::isfinite(v) ? std::clamp(v / hi, 0.0, 1.0) : 0.0;
      // White to #1e3a8a (30, 58, 138).
      const auto channel = [&](int dark) { return static_cast<int>(std::lround(255 - share * (255 - dark))); };
      out += fmt::format("<rect x=\"{:.2f}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"rgb({},{},{})\">"
                         "<title>{}, {}: {:.4f}</title></rect>\n",
                         left + cell * static_cast<double>(c), y, cell + 0.3, cell_height, channel(30), channel(58),
                         channel(138), html_escape(row_labels[r]), html_escape(column_labels[c]), v);
    }
  }
  for (std::size_t c = 0; c < columns; ++c) {
    if (column_labels[c].empty()) continue;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#475569\">{}</text>\n",
                       left + cell * (static_cast<double>(c) + 0.5), height - 6, html_escape(column_labels[c]));
  }
  return out + "</svg>";
}

std::string svg_bar_chart(const std::vector<std::pair<std::string, double>>& bars, int width, const char* color,
                          std::string (*format)(double)) {
  if (bars.empty()) return {};
  std::vector<std::string> labels;
  double lo = 0, hi = 0;
  for (const auto& [label, value] : bars) {
    labels.push_back(label);
    if (std::isfinite(value)) {
      lo = std::min(lo, value);
      hi = std::max(hi, value);
    }
  }
  if (hi <= lo) hi = lo + 1;  // all zero: empty bars, still a picture
  constexpr int kRow = 18, kTop = 4, kValueRoom = 70;
  const int left = label_width(labels), height = kTop + kRow * static_cast<int>(bars.size()) + 4;
  const double plot = width - left - kValueRoom;
  const auto x = [&](double v) { return left + plot * (v - lo) / (hi - lo); };
  std::string out = open_svg(width, height);
  out += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#94a3b8\"/>\n", x(0), kTop,
                     height - 4);
  for (std::size_t k = 0; k < bars.size(); ++k) {
    const auto& [label, value] = bars[k];
    const int y = kTop + kRow * static_cast<int>(k);
    const double v = std::isfinite(value) ? value : 0.0;
    const double a = x(std::min(0.0, v)), b = x(std::max(0.0, v));
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" fill=\"#0f172a\">{}</text>"
                       "<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>"
                       "<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" fill=\"#475569\">{}</text>\n",
                       left - 6, y + 13, html_escape(label), a, y + 3, std::max(b - a, 0.5), kRow - 6,
                       v < 0 ? "#dc2626" : color, std::max(b, x(0)) + 4, y + 13, html_escape(format(value)));
  }
  return out + "</svg>";
}

}  // namespace kestrel::analysis
