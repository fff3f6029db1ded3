#pragma once
// A small synthetic market for model tests: random-walk prices for a few tickers, labels
// (next-day direction) from the real label code, and features at t that include a planted,
// learnable signal (tomorrow's return plus noise), yesterday's return, a 20-day return and
// pure noise. `shuffle_labels()` destroys the signal for the chance-level control.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/rng.hpp"
#include "dataset/labels.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"
#include "features/feature_matrix.hpp"
#include "ml/model.hpp"
#include "ml/model_config.hpp"
#include "store/panel.hpp"

namespace kestrel::ml::testing {

struct SyntheticMarket {
  static constexpr std::size_t kTickers = 12;
  static constexpr std::size_t kDates = 260;
  static constexpr std::size_t kLookback = 8;
  // Train / validation / test date ranges (one-day labels: purge 1 date between them).
  static constexpr dataset::DateRange kTrain{20, 160};
  static constexpr dataset::DateRange kValid{161, 200};
  static constexpr dataset::DateRange kTest{201, kDates - 1};

  explicit SyntheticMarket(std::uint64_t seed = 7, double signal_noise = 0.5) {
    core::Rng rng(seed);
    std::vector<store::TickerSeries> series(kTickers);
    std::vector<std::vector<double>> closes(kTickers);
    for (std::size_t i = 0; i < kTickers; ++i) {
      series[i].symbol = fmt::format("T{}", i);
      core::Date date = core::Date::from_ymd(2020, 1, 1);
      double c = 50 + 10 * rng.uniform();
      for (std::size_t t = 0; t < kDates; ++t) {
        closes[i].push_back(c);
        series[i].bars.push_back({date, c, c, c, c, c, 1000});
        c *= std::exp(0.0003 + 0.02 * rng.normal());
        date = date + (date.weekday() == 4 ? 3 : 1);
      }
    }
    panel = std::make_unique<store::Panel>(store::Panel::build(series));
    labels = *dataset::make_labels(*panel, {.kind = dataset::LabelKind::Direction, .horizon = 1,
                                            .benchmark_sector = ""});
    matrix.names = {"ret_1d", "ret_20d", "signal", "noise_a", "noise_b"};
    matrix.dates.assign(panel->dates().begin(), panel->dates().end());
    matrix.tickers = panel->tickers();
    const std::size_t nt = panel->num_tickers();
    matrix.values.assign(matrix.names.size() * nt * kDates, std::nanf(""));
    for (std::size_t k = 0; k < nt; ++k) {
      const std::size_t i = static_cast<std::size_t>(std::stoi(matrix.tickers[k].substr(1)));
      const auto& c = closes[i];
      for (std::size_t t = 0; t < kDates; ++t) {
        if (t >= 1) matrix.series(0, k)[t] = static_cast<float>(c[t] / c[t - 1] - 1);
        if (t >= 20) matrix.series(1, k)[t] = static_cast<float>(c[t] / c[t - 20] - 1);
        if (t + 1 < kDates) {
          matrix.series(2, k)[t] = static_cast<float>((c[t + 1] / c[t] - 1) / 0.02 + signal_noise * rng.normal());
        }
        matrix.series(3, k)[t] = static_cast<float>(rng.normal());
        matrix.series(4, k)[t] = static_cast<float>(rng.normal() * 3 + 1);
      }
    }
  }

  void shuffle_labels(std::uint64_t seed) {
    core::Rng rng(seed);
    for (std::size_t i = labels.values.size(); i > 1; --i) {
      std::swap(labels.values[i - 1], labels.values[rng.below(i)]);
    }
  }

  // Tabular and sequence views over one range, restricted to the same samples (those with a
  // full lookback window).
  struct Views {
    dataset::TabularView tabular;
    dataset::SequenceView sequence;
    SampleSet set() const { return {&tabular, &sequence}; }
  };
  Views views(dataset::DateRange range) const {
    dataset::DateRange r = range;
    r.begin = std::max(r.begin, kLookback - 1);
    return {*dataset::TabularView::make(matrix, labels, r), *dataset::SequenceView::make(matrix, labels, r, kLookback)};
  }

  std::unique_ptr<store::Panel> panel;
  dataset::Labels labels;
  features::FeatureMatrix matrix;
};

inline double accuracy(const std::vector<float>& scores, const dataset::TabularView& view) {
  const auto batch = view.materialise_all();
  std::size_t hits = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) hits += (scores[i] > 0.5f) == (batch.y[i] > 0.5f);
  return scores.empty() ? 0 : static_cast<double>(hits) / static_cast<double>(scores.size());
}

// The accuracy a predictor independent of the labels gets on `view`, and its standard error:
// with label base rate p and a share s of predictions above 0.5, p s + (1 - p)(1 - s) (0.5 for
// any s when p = 0.5), binomial over the view's rows.
struct ChanceAccuracy {
  double expected = 0;
  double standard_error = 0;
};
inline ChanceAccuracy chance_accuracy(const std::vector<float>& scores, const dataset::TabularView& view) {
  const auto batch = view.materialise_all();
  double ups = 0, up_calls = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    ups += batch.y[i] > 0.5f;
    up_calls += scores[i] > 0.5f;
  }
  const auto n = static_cast<double>(scores.size());
  const double p = ups / n, s = up_calls / n;
  const double expected = p * s + (1 - p) * (1 - s);
  return {expected, std::sqrt(expected * (1 - expected) / n)};
}

// Models small enough for a unit test on 2 cores, which still learn the planted signal; the
// ensembles' members and stacking folds set, so every model can be made from it.
inline ModelConfig small_model_config(const SyntheticMarket& market) {
  ModelConfig c;
  c.feature_names = market.matrix.names;
  c.epochs = 6;
  c.batch_size = 64;
  c.learning_rate = 3e-3;
  c.patience = 3;
  c.mlp_hidden = {16};
  c.lstm_hidden = 16;
  c.lstm_layers = 1;
  c.d_model = 16;
  c.heads = 2;
  c.layers = 1;
  c.ff_dim = 32;
  c.dropout = 0.0;
  c.xgb_rounds = 60;
  c.xgb_max_depth = 3;
  c.xgb_eta = 0.2;
  c.xgb_min_child_weight = 1;
  c.members = {"always_up", "logistic_regression", "xgboost"};
  c.stacking_folds = 3;
  c.stacking_purge_dates = 2;
  return c;
}

// Smaller still, for tests that compare fits or scores rather than their quality (the
// fitted-model cache, the prediction memo): an ensemble of logistic regression, XGBoost and
// an LSTM.
inline ModelConfig tiny_ensemble_config(const SyntheticMarket& market) {
  ModelConfig c = small_model_config(market);
  c.epochs = 3;
  c.mlp_hidden = {8};
  c.lstm_hidden = 8;
  c.xgb_rounds = 30;
  c.xgb_eta = ModelConfig{}.xgb_eta;
  c.patience = ModelConfig{}.patience;
  c.members = {"logistic_regression", "xgboost", "lstm"};
  return c;
}

}  // namespace kestrel::ml::testing
