#include "features/cross_section.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "features/value_sort.hpp"

namespace kestrel::features {
namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
// Dates handled together: each ticker's slice of a block is read and written contiguously,
// which the [feature][ticker][date] layout needs to stay cache friendly.
constexpr std::size_t kDateBlock = 128;

// Writes each member's rank to out[member]; `keys` are sorted value_key values.
void rank_one_date(std::span<const std::uint64_t> keys, std::span<float> out) {
  const std::size_t n = keys.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i + 1;
    while (j < n && same_value(keys[j], keys[i])) ++j;
    // Ranks i..j-1 (0-based) share their average.
    const double average = 0.5 * static_cast<double>(i + j - 1);
    const float value = static_cast<float>(average / static_cast<double>(n - 1));
    for (std::size_t k = i; k < j; ++k) out[key_index(keys[k])] = value;
    i = j;
  }
}

}  // namespace

void cross_section(FeatureMatrix& matrix, std::size_t source, std::size_t target, CrossSectionStat stat,
                   std::span<const bool> in_universe) {
  const std::size_t num_dates = matrix.num_dates();
  const std::size_t num_tickers = matrix.num_tickers();
  std::vector<std::size_t> members;
  for (std::size_t i = 0; i < num_tickers; ++i) {
    if (in_universe[i]) members.push_back(i);
  }
  // Each member's first and last date with a value: most tickers cover only part of the
  // panel's dates (which start with the oldest series, e.g. an index from 1982), and blocks a
  // member does not reach need no gathering.
  std::vector<std::pair<std::size_t, std::size_t>> span_of(members.size(), {num_dates, 0});
  tbb::parallel_for(std::size_t{0}, members.size(), [&](std::size_t m) {
    const auto s = matrix.series(source, members[m]);
    std::size_t first = 0;
    while (first < num_dates && std::isnan(s[first])) ++first;
    if (first == num_dates) return;
    std::size_t last = num_dates - 1;
    while (std::isnan(s[last])) --last;
    span_of[m] = {first, last};
  });
  const std::size_t blocks = (num_dates + kDateBlock - 1) / kDateBlock;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks), [&](const tbb::blocked_range<std::size_t>& range) {
    std::vector<std::size_t> active;  // indices into members
    std::vector<float> in(members.size() * kDateBlock);
    std::vector<float> out(members.size() * kDateBlock);
    std::vector<std::pair<float, std::size_t>> present;
    std::vector<std::uint64_t> keys;
    std::vector<std::uint64_t> scratch;
    std::vector<float> ranks(members.size());
    for (std::size_t b = range.begin(); b != range.end(); ++b) {
      const std::size_t d0 = b * kDateBlock;
      const std::size_t len = std::min(kDateBlock, num_dates - d0);
      active.clear();
      for (std::size_t m = 0; m < members.size(); ++m) {
        const bool reaches = span_of[m].first < d0 + len && span_of[m].second >= d0;
        if (reaches) {
          active.push_back(m);
          const auto s = matrix.series(source, members[m]).subspan(d0, len);
          std::copy(s.begin(), s.end(), in.begin() + static_cast<std::ptrdiff_t>(m * kDateBlock));
        } else {
          auto t = matrix.series(target, members[m]).subspan(d0, len);
          std::fill(t.begin(), t.end(), kNaNf);
        }
      }
      for (std::size_t d = 0; d < len; ++d) {
        present.clear();
        for (std::size_t m : active) {
          const float v = in[m * kDateBlock + d];
          out[m * kDateBlock + d] = kNaNf;
          if (!std::isnan(v)) present.emplace_back(v, m);
        }
        if (stat == CrossSectionStat::Rank) {
          if (present.size() < 2) continue;
          keys.clear();
          for (const auto& [v, m] : present) keys.push_back(value_key(v, m));
          sort_by_value(keys, scratch);
          rank_one_date(keys, ranks);
          for (const auto& [v, m] : present) out[m * kDateBlock + d] = ranks[m];
        } else {
          if (present.size() < 3) continue;
          double sum = 0;
          for (const auto& [v, m] : present) sum += v;
          const double count = static_cast<double>(present.size());
          const double mean = sum / count;
          double squares = 0;
          for (const auto& [v, m] : present) squares += (v - mean) * (v - mean);
          const double sd = std::sqrt(squares / count);
          for (const auto& [v, m] : present) {
            out[m * kDateBlock + d] = sd > 0 ? static_cast<float>((v - mean) / sd) : 0.0f;
          }
        }
      }
      for (std::size_t m : active) {
        auto s = matrix.series(target, members[m]).subspan(d0, len);
        std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(m * kDateBlock), len, s.begin());
      }
    }
  });
}

std::vector<double> share_positive(const FeatureMatrix& matrix, std::size_t source,
                                   std::span<const bool> in_universe) {
  const std::size_t num_dates = matrix.num_dates();
  std::vector<std::size_t> count(num_dates, 0);
  std::vector<std::size_t> positive(num_dates, 0);
  for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
    if (!in_universe[i]) continue;
    const auto s = matrix.series(source, i);
    for (std::size_t t = 0; t < num_dates; ++t) {
      if (std::isnan(s[t])) continue;
      ++count[t];
      if (s[t] > 0) ++positive[t];
    }
  }
  std::vector<double> share(num_dates, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t t = 0; t < num_dates; ++t) {
    if (count[t] > 0) share[t] = static_cast<double>(positive[t]) / static_cast<double>(count[t]);
  }
  return share;
}

}  // namespace kestrel::features
