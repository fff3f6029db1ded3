#include "features/news_sessions.hpp"

#include <algorithm>

#include "core/new_york_time.hpp"

namespace kestrel::features {

std::size_t news_session(std::span<const core::Date> sessions, std::int64_t published_at) {
  const core::NewYorkTime local = core::new_york_time(published_at);
  // The first session on or after the local day; strictly after it once the close has passed.
  const auto first = local.seconds < kNewYorkCloseSeconds
                         ? std::lower_bound(sessions.begin(), sessions.end(), local.date)
                         : std::upper_bound(sessions.begin(), sessions.end(), local.date);
  return static_cast<std::size_t>(first - sessions.begin());
}

}  // namespace kestrel::features
