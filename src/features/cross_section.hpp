#pragma once
// Per-date statistics across the universe, computed on the stored (float) values of a
// time-series feature so that a truncated panel reproduces them exactly. Only tickers in the
// universe with a value that day take part; the others get NaN.
#include <cstddef>
#include <span>
#include <vector>

#include "features/feature_matrix.hpp"

namespace kestrel::features {

enum class CrossSectionStat {
  Rank,    // (average rank - 1) / (count - 1): 0 = lowest, 1 = highest, ties share; needs 2 values
  ZScore,  // (x - mean) / population std; needs 3 values, 0 when all are equal
};

// One cross-sectional feature: `target` computed from `source` with `stat`.
struct CrossSectionJob {
  std::size_t source = 0;
  std::size_t target = 0;
  CrossSectionStat stat = CrossSectionStat::Rank;
};

// Fills every job's target feature of `matrix` from its source for every date of the universe
// tickers (`in_universe` has one flag per ticker); other tickers' rows are left as they are.
// All jobs run in one pass over blocks of dates, each block of a source serving every target it
// feeds: z-scores member by member, ranks after transposing the block to one date at a time.
void cross_sections(FeatureMatrix& matrix, std::span<const CrossSectionJob> jobs, std::span<const bool> in_universe);

// Share of universe tickers whose `source` value is > 0 among those with a value, per date
// (NaN on dates with none).
std::vector<double> share_positive(const FeatureMatrix& matrix, std::size_t source, std::span<const bool> in_universe);

}  // namespace kestrel::features
