#pragma once
// The dashboard page, self-contained: dashboard_page.html with uPlot (the HTML report's copy,
// analysis/report_assets.hpp) and the page's own script and style sheet inlined, compiled in
// at build time (src/server/CMakeLists.txt).
#include <string_view>

namespace kestrel::server {

std::string_view dashboard_page();

}  // namespace kestrel::server
