#pragma once
// The files an HTML report inlines, compiled in at build time (src/analysis/CMakeLists.txt):
// uPlot (MIT, from web/node_modules) and the report's own script and style sheet.
#include <string_view>

namespace kestrel::analysis {

struct ReportAssets {
  std::string_view uplot_js;       // minified, with its "/*! https://github.com/leeoniya/uPlot (vX) */" header
  std::string_view uplot_css;
  std::string_view uplot_license;  // the MIT licence text, reproduced in every page
  std::string_view uplot_version;
  std::string_view page_js;        // src/analysis/report_page.js
  std::string_view page_css;       // src/analysis/report_page.css
};

const ReportAssets& report_assets();

}  // namespace kestrel::analysis
