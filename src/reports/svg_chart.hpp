#pragma once
// A line chart as inline SVG (dates on x, one or more series on y, gaps where a value is NaN),
// for pages that must print to PDF exactly as written: no script, no canvas.
#include <span>
#include <string>
#include <vector>

#include "core/date.hpp"

namespace kestrel::reports {

struct SvgSeries {
  std::string label;
  std::string color;            // CSS colour
  std::vector<double> values;   // one per date
};

// `format` turns a y value into an axis label ("100k", "-5%").
std::string svg_line_chart(std::span<const core::Date> dates, const std::vector<SvgSeries>& series, int width,
                           int height, std::string (*format)(double));

}  // namespace kestrel::reports
