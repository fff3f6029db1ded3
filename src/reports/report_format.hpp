#pragma once
// What the trading reports (daily/weekly/monthly, the A/B comparison) share: how numbers are
// written and the page's style sheet, so every report reads and prints alike.
#include <string>
#include <string_view>

namespace kestrel::reports {

inline constexpr std::string_view kDash = "\u2013";  // a value that cannot be computed

std::string escape(std::string_view text);                // HTML text
std::string pct(double v, int digits = 2);                // signed: "+1.25%"
std::string plain_pct(double v, int digits = 1);          // "1.3%"
std::string num(double v, int digits = 2);
std::string money(double v);                              // "1,234.56"
std::string signed_money(double v);                       // "+1,234.56"
std::string tone(double v);                               // a class attribute: green gain, red loss
std::string axis_money(double v);                         // chart axis: "105k", "1.20M"

// A4 pages, tables, cards, charts.
extern const std::string_view kReportStyle;

}  // namespace kestrel::reports
