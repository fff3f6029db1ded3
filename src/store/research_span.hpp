#pragma once
// Where research on a panel may start. A store's dates are the union of every ticker's, so one
// long benchmark history (the S&P 500 index from 1982 in us-daily, SPY from 1993) stretches
// every research array — features, labels, datasets — over decades no stock trades in: 46% of
// us-daily's feature cells were such empty rows. Research needs the benchmark only as far back
// as the longest window a stock's features read from it, so it may start `warmup_sessions`
// before the first bar of any ticker outside the benchmark sector (and other than the
// benchmark). Every value a stock sees is
// unchanged; the benchmark-sector rows before that start are not read by anything that trains.
#include <cstddef>
#include <string_view>

#include "store/panel.hpp"

namespace kestrel::store {

// 504 sessions (two years): twice the longest feature window (252 days), so windowed
// statistics of the benchmark (mkt_rv60, beta_252's returns) see full windows from the first
// stock's first day.
inline constexpr std::size_t kResearchWarmupSessions = 504;

// The date index research starts at: `warmup_sessions` before the first bar of a ticker that is
// neither `benchmark` nor in `benchmark_sector`, or 0 (no such ticker, or it starts early enough).
std::size_t research_start(const Panel& panel, std::string_view benchmark, std::string_view benchmark_sector,
                           std::size_t warmup_sessions = kResearchWarmupSessions);

// The panel from research_start on (a view sharing its storage).
Panel research_panel(const Panel& panel, std::string_view benchmark, std::string_view benchmark_sector,
                     std::size_t warmup_sessions = kResearchWarmupSessions);

}  // namespace kestrel::store
