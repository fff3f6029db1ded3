#pragma once
// HTML to PDF through headless Chromium's --print-to-pdf (Debian's `chromium`, which
// scripts/install-deps.sh installs): the reports are written as HTML first, then printed, so
// the PDF has every section of the page. Pages should print without script (the trading
// reports draw their charts as inline SVG); a page that draws with script gets
// `--virtual-time-budget` for it to finish. No network: every host name is unresolvable.
#include <chrono>
#include <filesystem>

#include "core/error.hpp"

namespace kestrel::analysis {

struct PdfOptions {
  std::chrono::milliseconds script_budget{0};  // > 0: let the page's script run this long first
  std::chrono::seconds timeout{120};
};

// Writes `pdf` from the HTML file `html`; fails (naming what Chromium said) when Chromium is
// missing or writes no PDF. The PDF is written beside its final name and renamed into place.
core::Status print_to_pdf(const std::filesystem::path& html, const std::filesystem::path& pdf,
                          const PdfOptions& options = {});

}  // namespace kestrel::analysis
