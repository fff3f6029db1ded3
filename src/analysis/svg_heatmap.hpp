#pragma once
// Two more inline-SVG pictures for reports that must print as written (no script): a heatmap
// of a small matrix and horizontal bars for ranked values.
#include <string>
#include <utility>
#include <vector>

namespace kestrel::analysis {

// `values` row-major [rows × columns], shaded from white (0) to dark blue (the largest value);
// each row labelled at the left, the columns labelled below where `column_labels` has text
// (an empty label leaves that column unlabelled). Each cell's value is its tooltip (<title>).
std::string svg_heatmap(const std::vector<std::string>& row_labels, const std::vector<std::string>& column_labels,
                        const std::vector<double>& values, int width, int cell_height);

// One bar per (label, value), in the given order, from zero to the value (negative values
// to the left of zero, in red); the value printed at the bar's end with `format`.
std::string svg_bar_chart(const std::vector<std::pair<std::string, double>>& bars, int width, const char* color,
                          std::string (*format)(double));

}  // namespace kestrel::analysis
