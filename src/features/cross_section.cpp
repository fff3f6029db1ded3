#include "features/cross_section.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "features/avx2_clones.hpp"
#include "features/value_sort.hpp"

namespace kestrel::features {
namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();
// Dates handled together. Each member's slice of a block is read and written contiguously
// (the [feature][ticker][date] layout); for ranks the block is transposed to date-major, so
// that one date's values across the members are contiguous.
constexpr std::size_t kDateBlock = 128;

// The rank values of one date with n present values, by the sum s = i + j - 1 of a tie group's
// first and last 0-based ranks i..j-1: their average s / 2 scaled to 0..1. Kept from one date to
// the next, as n rarely changes between consecutive dates, so the divisions are done when it does
// instead of once per value.
class RankValues {
 public:
  std::span<const float> for_count(std::size_t n) {
    if (n != n_) {
      n_ = n;
      by_sum_.resize(2 * n - 1);
      for (std::size_t s = 0; s < by_sum_.size(); ++s) {
        const double average = 0.5 * static_cast<double>(s);
        by_sum_[s] = static_cast<float>(average / static_cast<double>(n - 1));
      }
    }
    return by_sum_;
  }

 private:
  std::size_t n_ = 0;
  std::vector<float> by_sum_;
};

// Writes each member's rank to out[slot]; `keys` are sorted value_key values of slots.
void rank_one_date(std::span<const std::uint64_t> keys, RankValues& rank_values, float* out) {
  const std::size_t n = keys.size();
  const std::span<const float> by_sum = rank_values.for_count(n);
  for_each_tie_group(keys, [&](std::size_t first, std::size_t last) {
    const float value = by_sum[first + last - 1];
    for (std::size_t k = first; k < last; ++k) out[key_index(keys[k])] = value;
  });
}

// Row slices ahead of the one being read or written whose cache lines are requested early: a
// slice is only a few cache lines, too short for the hardware prefetcher, and the matrix is far
// larger than the caches, so without this every line costs a full memory round trip.
constexpr std::size_t kPrefetchAhead = 4;
constexpr std::size_t kFloatsPerLine = 64 / sizeof(float);

template <class Row>
void prefetch_slice(std::span<Row const> rows, std::size_t a, std::size_t len, bool for_write) {
  if (a >= rows.size()) return;
  for (std::size_t d = 0; d < len; d += kFloatsPerLine) {
    if (for_write) {
      __builtin_prefetch(rows[a] + d, 1);
    } else {
      __builtin_prefetch(rows[a] + d, 0);
    }
  }
}

// visit(a) for each member a in order, each member's slice of `rows` (its first `len` values)
// requested kPrefetchAhead members before it is visited.
template <class Row, class Visit>
void for_each_prefetched(std::span<Row const> rows, std::size_t len, bool for_write, Visit visit) {
  for (std::size_t a = 0; a < std::min(rows.size(), kPrefetchAhead); ++a) prefetch_slice(rows, a, len, for_write);
  for (std::size_t a = 0; a < rows.size(); ++a) {
    prefetch_slice(rows, a + kPrefetchAhead, len, for_write);
    visit(a);
  }
}

// The per-member steps of the z-scores, each a loop over the block's dates that the compiler
// vectorises. They are kept out of line with restrict-qualified pointers: inlined into the loop
// over members, GCC 12 jams that loop into them and runs them as scalar code (docs/benchmarks.md,
// "Features, 2026-11-29, afternoon").
KESTREL_AVX2_CLONES
[[gnu::noinline]] void add_present(const float* __restrict row, std::size_t len, double* __restrict count,
                                   double* __restrict sum) {
  for (std::size_t d = 0; d < len; ++d) {
    const bool present = !std::isnan(row[d]);
    count[d] += present ? 1.0 : 0.0;
    sum[d] += present ? static_cast<double>(row[d]) : 0.0;
  }
}

KESTREL_AVX2_CLONES
[[gnu::noinline]] void add_squares(const float* __restrict row, std::size_t len, const double* __restrict mean,
                                   double* __restrict squares) {
  for (std::size_t d = 0; d < len; ++d) {
    const double deviation = row[d] - mean[d];
    squares[d] += std::isnan(row[d]) ? 0.0 : deviation * deviation;
  }
}

KESTREL_AVX2_CLONES
[[gnu::noinline]] void write_zscores(const float* __restrict row, std::size_t len, const double* __restrict count,
                                     const double* __restrict mean, const double* __restrict sd,
                                     float* __restrict target) {
  for (std::size_t d = 0; d < len; ++d) {
    // Needs 3 values; 0 when they are all equal. Both sides are computed (no branch), the
    // division by a zero deviation included, whose result is not used.
    const float z = static_cast<float>((row[d] - mean[d]) / sd[d]);
    const float shaped = sd[d] > 0 ? z : 0.0f;
    target[d] = (std::isnan(row[d]) | (count[d] < 3)) ? kNaNf : shaped;
  }
}

// Population z-scores of one block of dates: rows[a] and targets[a] are active member a's
// slices of the source and target rows. Member-major, so each slice is read contiguously and
// the per-date sums advance side by side across the block's dates; every date's sums still add
// the members in order, an absent value adding +0.0 (a sum that starts at +0.0 is never -0.0,
// so that leaves it unchanged).
void zscores_of_block(std::span<const float* const> rows, std::span<float* const> targets, std::size_t len) {
  std::array<double, kDateBlock> count{};
  std::array<double, kDateBlock> sum{};
  std::array<double, kDateBlock> squares{};
  for_each_prefetched(rows, len, false, [&](std::size_t a) { add_present(rows[a], len, count.data(), sum.data()); });
  std::array<double, kDateBlock> mean{};
  for (std::size_t d = 0; d < len; ++d) mean[d] = sum[d] / count[d];
  for (const float* row : rows) add_squares(row, len, mean.data(), squares.data());
  std::array<double, kDateBlock> sd{};
  for (std::size_t d = 0; d < len; ++d) sd[d] = std::sqrt(squares[d] / count[d]);
  for_each_prefetched(targets, len, true, [&](std::size_t a) {
    write_zscores(rows[a], len, count.data(), mean.data(), sd.data(), targets[a]);
  });
}

// A source and the targets it feeds.
struct SourceGroup {
  std::size_t source = 0;
  std::vector<CrossSectionJob> jobs;
};

std::vector<SourceGroup> group_by_source(std::span<const CrossSectionJob> jobs) {
  std::vector<SourceGroup> groups;
  for (const CrossSectionJob& job : jobs) {
    auto it = std::ranges::find(groups, job.source, &SourceGroup::source);
    if (it == groups.end()) {
      groups.push_back({.source = job.source, .jobs = {}});
      it = groups.end() - 1;
    }
    it->jobs.push_back(job);
  }
  return groups;
}

// Per-thread buffers of one block.
struct BlockScratch {
  std::vector<std::size_t> active;  // members with a value somewhere in the block, ascending
  std::vector<const float*> rows;   // the block's slice of a source row for each active member
  std::vector<float*> target_rows;  // and of a target row
  std::vector<float> values;        // [date][slot]
  std::vector<float> ranks;         // [date][slot]
  std::vector<std::uint64_t> keys;
  std::vector<std::uint64_t> sort_scratch;
  RankValues rank_values;
};

// values[d * slots + a] = rows[a][d]. Each row slice is read in one sequential stream; the
// writes of consecutive members fall in the same kDateBlock cache lines, which stay in L1.
void gather(std::span<const float* const> rows, std::size_t len, float* values) {
  const std::size_t slots = rows.size();
  for_each_prefetched(rows, len, false, [&](std::size_t a) {
    const float* row = rows[a];
    for (std::size_t d = 0; d < len; ++d) values[d * slots + a] = row[d];
  });
}

// rows[a][d] = values[d * slots + a], the inverse of gather.
void scatter(std::span<float* const> rows, std::size_t len, const float* values) {
  const std::size_t slots = rows.size();
  for_each_prefetched(rows, len, true, [&](std::size_t a) {
    float* row = rows[a];
    for (std::size_t d = 0; d < len; ++d) row[d] = values[d * slots + a];
  });
}

}  // namespace

void cross_sections(FeatureMatrix& matrix, std::span<const CrossSectionJob> jobs, std::span<const bool> in_universe) {
  const std::size_t num_dates = matrix.num_dates();
  const std::size_t num_tickers = matrix.num_tickers();
  std::vector<std::size_t> members;
  for (std::size_t i = 0; i < num_tickers; ++i) {
    if (in_universe[i]) members.push_back(i);
  }
  const std::vector<SourceGroup> groups = group_by_source(jobs);
  // Each member's first and last date with a value in any source: most tickers cover only part
  // of the panel's dates, and blocks a member does not reach need no gathering.
  std::vector<std::pair<std::size_t, std::size_t>> span_of(members.size(), {num_dates, 0});
  tbb::parallel_for(std::size_t{0}, members.size(), [&](std::size_t m) {
    for (const SourceGroup& group : groups) {
      const auto s = matrix.series(group.source, members[m]);
      std::size_t first = 0;
      while (first < num_dates && std::isnan(s[first])) ++first;
      if (first == num_dates) continue;
      std::size_t last = num_dates - 1;
      while (std::isnan(s[last])) --last;
      span_of[m] = {std::min(span_of[m].first, first), std::max(span_of[m].second, last)};
    }
  });
  const std::size_t blocks = (num_dates + kDateBlock - 1) / kDateBlock;
  tbb::enumerable_thread_specific<BlockScratch> scratches;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks), [&](const tbb::blocked_range<std::size_t>& range) {
    BlockScratch& x = scratches.local();
    for (std::size_t b = range.begin(); b != range.end(); ++b) {
      const std::size_t d0 = b * kDateBlock;
      const std::size_t len = std::min(kDateBlock, num_dates - d0);
      x.active.clear();
      for (std::size_t m = 0; m < members.size(); ++m) {
        if (span_of[m].first < d0 + len && span_of[m].second >= d0) {
          x.active.push_back(members[m]);
          continue;
        }
        for (const CrossSectionJob& job : jobs) {
          auto t = matrix.series(job.target, members[m]).subspan(d0, len);
          std::fill(t.begin(), t.end(), kNaNf);
        }
      }
      const std::size_t slots = x.active.size();
      if (slots == 0) continue;
      for (const SourceGroup& group : groups) {
        x.rows.clear();
        for (std::size_t ticker : x.active) x.rows.push_back(matrix.series(group.source, ticker).data() + d0);
        auto target_rows = [&](std::size_t target) {
          x.target_rows.clear();
          for (std::size_t ticker : x.active) x.target_rows.push_back(matrix.series(target, ticker).data() + d0);
          return std::span<float* const>(x.target_rows);
        };
        for (const CrossSectionJob& job : group.jobs) {
          if (job.stat == CrossSectionStat::ZScore) zscores_of_block(x.rows, target_rows(job.target), len);
        }
        if (std::ranges::none_of(group.jobs, [](const CrossSectionJob& job) { return job.stat == CrossSectionStat::Rank; })) {
          continue;
        }
        // Ranks need each date's values together: the block is transposed to [date][slot].
        x.values.resize(len * slots);
        x.ranks.resize(len * slots);
        x.keys.resize(slots);
        gather(x.rows, len, x.values.data());
        for (std::size_t d = 0; d < len; ++d) {
          const float* row = x.values.data() + d * slots;
          float* out = x.ranks.data() + d * slots;
          std::fill(out, out + slots, kNaNf);
          // The present values' keys, compacted without a branch: every key is written, only
          // present ones are kept.
          std::size_t count = 0;
          for (std::size_t a = 0; a < slots; ++a) {
            x.keys[count] = value_key(row[a], a);
            count += std::isnan(row[a]) ? 0 : 1;
          }
          if (count < 2) continue;  // needs 2 values
          const std::span<std::uint64_t> keys(x.keys.data(), count);
          sort_by_value(keys, x.sort_scratch);
          rank_one_date(keys, x.rank_values, out);
        }
        for (const CrossSectionJob& job : group.jobs) {
          if (job.stat == CrossSectionStat::Rank) scatter(target_rows(job.target), len, x.ranks.data());
        }
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
