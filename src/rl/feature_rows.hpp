#pragma once
// The ticker's feature row (features/: the 105 features of docs/features.md) as part of the
// agents' observation, normalised with the statistics of a training window only.
//
// FeatureRows holds the raw rows of the universe, date-major ([dates × tickers × count], from
// `first_date`, the universe's first bar; NaN where a feature is missing) so that the
// environment reads one contiguous row per (day, ticker). RowScaling is fitted per walk-forward
// fold on its training dates: per column the mean and standard deviation of the finite values
// of every ticker, so nothing after the training window shapes what the agent sees. Observed:
//   clamp((x − mean) / sd, −5, 5), and 0 (the training mean) where x is missing or sd is 0.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "features/feature_matrix.hpp"

namespace kestrel::rl {

struct FeatureRows {
  std::vector<std::string> names;
  std::size_t count = 0;       // columns
  std::size_t tickers = 0;     // the universe's size
  std::size_t first_date = 0;  // panel index of the first row block; earlier days observe 0
  std::size_t num_dates = 0;   // row blocks held
  std::vector<float> values;   // [(t − first_date) × tickers × count]

  // The raw row of (panel date t, universe slot k); empty before first_date or past the end.
  std::span<const float> row(std::size_t t, std::size_t k) const {
    if (t < first_date || t >= first_date + num_dates) return {};
    return {values.data() + ((t - first_date) * tickers + k) * count, count};
  }
};

struct RowScaling {
  std::vector<float> mean;
  std::vector<float> inv_sd;  // 1 / sd; 0 for a constant or empty column
};

// The universe's rows of `matrix` (the panel's FeatureMatrix; universe = panel ticker indices).
FeatureRows feature_rows(const features::FeatureMatrix& matrix, const std::vector<std::size_t>& universe);

// The scaling of every column from the rows of dates first..last (panel indices, inclusive).
RowScaling fit_scaling(const FeatureRows& rows, std::size_t first, std::size_t last);

// Writes the normalised row of (t, k) to `out` (rows.count floats).
void normalised_row(const FeatureRows& rows, const RowScaling& scaling, std::size_t t, std::size_t k,
                    std::span<float> out);

}  // namespace kestrel::rl
