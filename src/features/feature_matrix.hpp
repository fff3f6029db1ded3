#pragma once
// The output of the feature pipeline and the input of dataset/: every feature for every
// ticker and date of a Panel. Values are float32 (kernels compute in double and round once
// at the end) to halve memory on the full universe; NaN means missing (warm-up, gaps,
// delisted days). Layout: feature-major, then ticker, then date, like the Panel:
//   at(f, ticker, t) = values[(f * num_tickers + ticker) * num_dates + t]
// Row t of a feature uses data up to and including date t's close only.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/uninitialised_allocator.hpp"

namespace kestrel::features {

// Uninitialised on resize, huge pages for the full universe (see core/uninitialised_allocator.hpp).
using FeatureValues = std::vector<float, core::UninitialisedAllocator<float>>;

struct FeatureMatrix {
  std::vector<std::string> names;    // feature names (see docs/features.md)
  std::vector<core::Date> dates;     // the panel's dates
  std::vector<std::string> tickers;  // the panel's tickers
  FeatureValues values;

  std::size_t num_features() const { return names.size(); }
  std::size_t num_tickers() const { return tickers.size(); }
  std::size_t num_dates() const { return dates.size(); }
  // Feature f for every ticker: the tickers' series one after another, so index
  // ticker * num_dates() + t is the cell (ticker, t), as in a per-ticker label array.
  std::span<const float> feature(std::size_t f) const {
    return {values.data() + f * num_tickers() * num_dates(), num_tickers() * num_dates()};
  }
  std::span<const float> series(std::size_t f, std::size_t ticker) const {
    return {values.data() + (f * num_tickers() + ticker) * num_dates(), num_dates()};
  }
  std::span<float> series(std::size_t f, std::size_t ticker) {
    return {values.data() + (f * num_tickers() + ticker) * num_dates(), num_dates()};
  }
  float at(std::size_t f, std::size_t ticker, std::size_t t) const { return series(f, ticker)[t]; }
  std::optional<std::size_t> feature_index(std::string_view name) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    return std::nullopt;
  }
};

}  // namespace kestrel::features
