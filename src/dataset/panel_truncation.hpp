#pragma once
// The panel as it would have looked at the close of date index `last`: bars after it
// removed. Split factors and dividends of the kept days are reproduced (splits are
// re-derived from the factor ratios between bar days, so values may differ in the last
// bits); as-of-`last` vendor adjustments in adj_close are not undone, which is harmless for
// the truncation check (it compares the same prices with and without the future rows).
#include <cstddef>
#include <span>

#include "store/panel.hpp"

namespace kestrel::dataset {

store::Panel truncate_panel(const store::Panel& panel, std::size_t last);

// The panel of only `tickers` (indices into `panel`, ascending), rebuilt the same way and cut
// at `last`: the truncation check runs on a sample of a large universe.
store::Panel select_panel(const store::Panel& panel, std::span<const std::size_t> tickers, std::size_t last);

}  // namespace kestrel::dataset
