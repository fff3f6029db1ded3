#include "store/research_span.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::store {

std::size_t research_start(const Panel& panel, std::string_view benchmark, std::string_view benchmark_sector,
                           std::size_t warmup_sessions) {
  std::size_t first = panel.num_dates();
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    if (panel.sectors()[i] == benchmark_sector || panel.tickers()[i] == benchmark) continue;
    const auto close = panel.series(Field::Close, i);
    const auto bar = std::find_if(close.begin(), close.begin() + static_cast<std::ptrdiff_t>(first),
                                  [](double v) { return !std::isnan(v); });
    first = std::min(first, static_cast<std::size_t>(bar - close.begin()));
    if (first == 0) break;
  }
  if (first == panel.num_dates()) return 0;  // only benchmark-sector tickers: nothing to trim for
  return first > warmup_sessions ? first - warmup_sessions : 0;
}

Panel research_panel(const Panel& panel, std::string_view benchmark, std::string_view benchmark_sector,
                     std::size_t warmup_sessions) {
  return panel.from_date_index(research_start(panel, benchmark, benchmark_sector, warmup_sessions));
}

}  // namespace kestrel::store
