#pragma once
// Text into HTML: & < > " ' as entities, so a ticker, a note or a vendor's message can never
// become markup in a report.
#include <string>
#include <string_view>

namespace kestrel::analysis {

std::string html_escape(std::string_view text);

}  // namespace kestrel::analysis
