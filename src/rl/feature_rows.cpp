#include "rl/feature_rows.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::rl {

namespace {

constexpr float kClip = 5.0f;

}  // namespace

FeatureRows feature_rows(const features::FeatureMatrix& matrix, const std::vector<std::size_t>& universe) {
  FeatureRows rows;
  rows.names = matrix.names;
  rows.count = matrix.num_features();
  rows.tickers = universe.size();
  const std::size_t dates = matrix.num_dates();
  // The first date any stock of the universe has a value: the rows before it are all missing,
  // and on the full data (an index from 1982, stocks from 1999) they would be most of the memory.
  std::size_t first = dates;
  for (std::size_t f = 0; f < rows.count && first > 0; ++f) {
    for (std::size_t id : universe) {
      const auto series = matrix.series(f, id);
      for (std::size_t t = 0; t < first; ++t) {
        if (!std::isnan(series[t])) {
          first = t;
          break;
        }
      }
    }
  }
  if (first == dates) first = 0;
  rows.first_date = first;
  rows.num_dates = dates - first;
  rows.values.resize(rows.num_dates * rows.tickers * rows.count);
  // Feature-major → date-major, one (feature, ticker) series at a time.
  for (std::size_t f = 0; f < rows.count; ++f) {
    for (std::size_t k = 0; k < universe.size(); ++k) {
      const auto series = matrix.series(f, universe[k]);
      float* out = rows.values.data() + k * rows.count + f;
      const std::size_t stride = rows.tickers * rows.count;
      for (std::size_t t = first; t < dates; ++t, out += stride) *out = series[t];
    }
  }
  return rows;
}

RowScaling fit_scaling(const FeatureRows& rows, std::size_t first, std::size_t last) {
  const std::size_t from = std::max(first, rows.first_date);
  const std::size_t to = std::min(last + 1, rows.first_date + rows.num_dates);
  // Two passes (the mean, then the squared deviations): volume-sized columns would lose their
  // variance to cancellation in sum(x²) − n·mean².
  auto accumulate = [&](auto&& add) {
    for (std::size_t t = from; t < to; ++t) {
      for (std::size_t k = 0; k < rows.tickers; ++k) {
        const auto row = rows.row(t, k);
        for (std::size_t c = 0; c < rows.count; ++c) {
          if (std::isfinite(row[c])) add(c, static_cast<double>(row[c]));
        }
      }
    }
  };
  std::vector<double> sum(rows.count, 0.0), squares(rows.count, 0.0);
  std::vector<std::size_t> n(rows.count, 0);
  accumulate([&](std::size_t c, double x) {
    sum[c] += x;
    ++n[c];
  });
  std::vector<double> mean(rows.count, 0.0);
  for (std::size_t c = 0; c < rows.count; ++c) mean[c] = n[c] > 0 ? sum[c] / static_cast<double>(n[c]) : 0.0;
  accumulate([&](std::size_t c, double x) { squares[c] += (x - mean[c]) * (x - mean[c]); });
  RowScaling scaling;
  scaling.mean.assign(rows.count, 0.0f);
  scaling.inv_sd.assign(rows.count, 0.0f);
  for (std::size_t c = 0; c < rows.count; ++c) {
    if (n[c] < 2) continue;
    const double sd = std::sqrt(squares[c] / static_cast<double>(n[c] - 1));
    scaling.mean[c] = static_cast<float>(mean[c]);
    // A column that hardly varies (sd tiny next to its mean) is as good as constant.
    scaling.inv_sd[c] = sd > 1e-9 * std::max(1.0, std::abs(mean[c])) ? static_cast<float>(1.0 / sd) : 0.0f;
  }
  return scaling;
}

void normalised_row(const FeatureRows& rows, const RowScaling& scaling, std::size_t t, std::size_t k,
                    std::span<float> out) {
  const auto row = rows.row(t, k);
  if (row.empty()) {
    std::fill(out.begin(), out.end(), 0.0f);
    return;
  }
  for (std::size_t c = 0; c < rows.count; ++c) {
    const float x = row[c];
    const float z = (x - scaling.mean[c]) * scaling.inv_sd[c];
    out[c] = std::isnan(z) ? 0.0f : std::clamp(z, -kClip, kClip);
  }
}

}  // namespace kestrel::rl
