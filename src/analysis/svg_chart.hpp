#pragma once
// A line chart as inline SVG (dates on x, one or more series on y, gaps where a value is NaN),
// for pages that must print to PDF exactly as written: no script, no canvas.
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/date.hpp"

namespace kestrel::analysis {

struct SvgSeries {
  std::string label;
  std::string color;            // CSS colour
  std::vector<double> values;   // one per date
};

// `format` turns a y value into an axis label ("100k", "-5%"). The legend wraps onto more rows
// (and the chart grows) when the labels do not fit in one.
std::string svg_line_chart(std::span<const core::Date> dates, const std::vector<SvgSeries>& series, int width,
                           int height, std::string (*format)(double));

// Points joined in order (e.g. a calibration curve), on the square [lo, hi] × [lo, hi]; with
// `diagonal`, the dashed line y = x.
struct SvgXySeries {
  std::string label;
  std::string color;
  std::vector<std::pair<double, double>> points;
};
std::string svg_xy_chart(const std::vector<SvgXySeries>& series, int width, int height, double lo, double hi,
                         std::string (*format)(double), bool diagonal);

}  // namespace kestrel::analysis
