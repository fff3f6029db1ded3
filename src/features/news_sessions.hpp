#pragma once
// Which trading session a news item can first affect, point in time: a text published on a
// trading day before the 16:00 New York close counts for that day's session (features of day
// t are computed at t's close); one published at or after the close, or on a day without a
// session (weekend, holiday), counts for the next session. Half-day closes (13:00) are
// treated as 16:00: an item between 13:00 and 16:00 on such a day is one session early
// at most a few times a year; the dataset's dates are the sessions.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/date.hpp"

namespace kestrel::features {

inline constexpr std::int32_t kNewYorkCloseSeconds = 16 * 3600;

// Index into `sessions` (ascending dates), or sessions.size() when the item belongs after the last.
std::size_t news_session(std::span<const core::Date> sessions, std::int64_t published_at);

}  // namespace kestrel::features
