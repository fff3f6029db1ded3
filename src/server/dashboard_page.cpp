#include "server/dashboard_page.hpp"

#include <string>

#include "analysis/report_assets.hpp"

namespace kestrel::server {

extern const std::string_view kDashboardHtml;
extern const std::string_view kDashboardJs;
extern const std::string_view kDashboardCss;

namespace {

void replace(std::string& text, std::string_view placeholder, std::string_view value) {
  const auto at = text.find(placeholder);
  if (at != std::string::npos) text.replace(at, placeholder.size(), value);
}

std::string assemble() {
  const auto& uplot = analysis::report_assets();
  std::string page(kDashboardHtml);
  // The page's own files first: the library's text is inserted last and never searched.
  replace(page, "@PAGE_CSS@", kDashboardCss);
  replace(page, "@PAGE_JS@", kDashboardJs);
  replace(page, "@UPLOT_VERSION@", uplot.uplot_version);
  replace(page, "@UPLOT_CSS@", uplot.uplot_css);
  replace(page, "@UPLOT_LICENSE@", uplot.uplot_license);
  replace(page, "@UPLOT_JS@", uplot.uplot_js);
  return page;
}

}  // namespace

std::string_view dashboard_page() {
  static const std::string page = assemble();
  return page;
}

}  // namespace kestrel::server
