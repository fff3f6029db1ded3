// The feature rows in the agents' observation: the same values as the FeatureMatrix, scaled with
// the statistics of the training dates alone, and where the environment says they are.
#include <gtest/gtest.h>

#include <cmath>

#include "features/feature_pipeline.hpp"
#include "rl/feature_rows.hpp"
#include "rl/trading_env.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::rl {
namespace {

struct Sample {
  store::Panel panel;
  std::vector<std::size_t> universe;
  features::FeatureMatrix matrix;
};

const Sample& sample() {
  static const Sample s = [] {
    Sample out{.panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA), .universe = {}, .matrix = {}};
    for (std::size_t i = 0; i < out.panel.num_tickers(); ++i) {
      const auto& t = out.panel.tickers()[i];
      if (t != "SPY" && t != "SPX") out.universe.push_back(i);
    }
    out.matrix = features::compute_features(out.panel, {.benchmark = "SPY"});
    return out;
  }();
  return s;
}

TEST(FeatureRows, HoldTheMatrixValuesDateMajor) {
  const auto& s = sample();
  const FeatureRows rows = feature_rows(s.matrix, s.universe);
  ASSERT_EQ(rows.count, s.matrix.num_features());
  ASSERT_EQ(rows.tickers, s.universe.size());
  ASSERT_EQ(rows.first_date + rows.num_dates, s.matrix.num_dates());
  std::size_t compared = 0;
  for (std::size_t t = rows.first_date; t < s.matrix.num_dates(); t += 97) {
    for (std::size_t k = 0; k < s.universe.size(); k += 3) {
      const auto row = rows.row(t, k);
      ASSERT_EQ(row.size(), rows.count);
      for (std::size_t f = 0; f < rows.count; ++f) {
        const float want = s.matrix.at(f, s.universe[k], t);
        if (std::isnan(want)) {
          EXPECT_TRUE(std::isnan(row[f]));
        } else {
          EXPECT_EQ(row[f], want) << s.matrix.names[f] << " ticker " << k << " date " << t;
          ++compared;
        }
      }
    }
  }
  EXPECT_GT(compared, 10'000u);
  EXPECT_TRUE(rows.row(s.matrix.num_dates(), 0).empty());
}

// The scaling of a training window does not move when everything after it changes, and it
// makes the window's own values standard (mean 0, sd 1) wherever nothing is clipped.
TEST(FeatureRows, ScalingSeesOnlyTheTrainingDates) {
  const auto& s = sample();
  FeatureRows rows = feature_rows(s.matrix, s.universe);
  const std::size_t first = rows.first_date + 250, last = rows.first_date + 1000;
  const RowScaling before = fit_scaling(rows, first, last);
  for (std::size_t t = last + 1; t < rows.first_date + rows.num_dates; ++t) {
    for (std::size_t k = 0; k < rows.tickers; ++k) {
      float* row = rows.values.data() + ((t - rows.first_date) * rows.tickers + k) * rows.count;
      for (std::size_t f = 0; f < rows.count; ++f) row[f] = row[f] * 1000 + 7;
    }
  }
  const RowScaling after = fit_scaling(rows, first, last);
  EXPECT_EQ(before.mean, after.mean);
  EXPECT_EQ(before.inv_sd, after.inv_sd);
  const RowScaling later = fit_scaling(rows, first, last + 1);
  EXPECT_NE(before.mean, later.mean) << "a day more of the changed dates must show";

  // ret_1d-like columns are standardised without clipping: check the first column that never clips.
  std::vector<float> out(rows.count);
  std::size_t checked = 0;
  for (std::size_t f = 0; f < rows.count && checked < 5; ++f) {
    if (before.inv_sd[f] == 0.0f) continue;
    double sum = 0, squares = 0;
    std::size_t n = 0;
    bool clipped = false;
    for (std::size_t t = first; t <= last; ++t) {
      for (std::size_t k = 0; k < rows.tickers; ++k) {
        if (std::isnan(rows.row(t, k)[f])) continue;
        normalised_row(rows, before, t, k, out);
        clipped |= std::abs(out[f]) >= 5.0f;
        sum += out[f];
        squares += static_cast<double>(out[f]) * out[f];
        ++n;
      }
    }
    if (clipped || n < 1000) continue;
    const double mean = sum / static_cast<double>(n);
    EXPECT_NEAR(mean, 0.0, 1e-3) << s.matrix.names[f];
    EXPECT_NEAR(std::sqrt(squares / static_cast<double>(n) - mean * mean), 1.0, 1e-3) << s.matrix.names[f];
    ++checked;
  }
  EXPECT_EQ(checked, 5u);
}

TEST(FeatureRows, MissingValuesAndEarlyDaysObserveZero) {
  const auto& s = sample();
  const FeatureRows rows = feature_rows(s.matrix, s.universe);
  const RowScaling scaling = fit_scaling(rows, rows.first_date, rows.first_date + 500);
  std::vector<float> out(rows.count, 9.0f);
  normalised_row(rows, scaling, rows.first_date, 0, out);  // the first day: long windows still warming up
  std::size_t zeros = 0;
  for (std::size_t f = 0; f < rows.count; ++f) {
    if (std::isnan(rows.row(rows.first_date, 0)[f])) {
      EXPECT_EQ(out[f], 0.0f) << s.matrix.names[f];
      ++zeros;
    }
    EXPECT_LE(std::abs(out[f]), 5.0f);
  }
  EXPECT_GT(zeros, 10u);
  if (rows.first_date > 0) {
    normalised_row(rows, scaling, rows.first_date - 1, 0, out);
    for (float v : out) EXPECT_EQ(v, 0.0f);
  }
}

// The environment puts the scaled row after the caller's columns and before the position state.
TEST(FeatureRows, TheEnvironmentObservesTheScaledRow) {
  const auto& s = sample();
  const FeatureRows rows = feature_rows(s.matrix, s.universe);
  const ObservationFeatures columns{2, std::vector<float>(s.panel.num_dates() * s.universe.size() * 2, 0.25f)};
  TradingEnvConfig config;
  config.episodes = 1;
  config.first_day = rows.first_date + 300;
  config.last_day = s.panel.num_dates() - 1;
  const ScaledFeatureRows scaled{.rows = &rows, .scaling = fit_scaling(rows, rows.first_date, config.first_day)};
  TradingEnv env(s.panel, s.universe, columns, config, scaled);
  const std::size_t width = env.observation_size();
  ASSERT_EQ(width, 2 + rows.count + TradingEnv::kStateFeatures);
  std::vector<float> obs(env.num_envs() * width), expected(rows.count);
  const std::size_t day = config.first_day + 40;
  env.reset_at(day, obs);
  for (std::size_t k = 0; k < s.universe.size(); ++k) {
    const float* o = obs.data() + k * width;
    EXPECT_EQ(o[0], 0.25f);
    EXPECT_EQ(o[1], 0.25f);
    normalised_row(rows, scaled.scaling, day, k, expected);
    for (std::size_t f = 0; f < rows.count; ++f) ASSERT_EQ(o[2 + f], expected[f]) << k << ' ' << f;
    EXPECT_EQ(o[2 + rows.count], 0.0f) << "no position yet";
    EXPECT_EQ(o[2 + rows.count + 3], 1.0f) << "all cash";
  }
}

}  // namespace
}  // namespace kestrel::rl
