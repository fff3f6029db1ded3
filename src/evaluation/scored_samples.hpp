#pragma once
// A model's out-of-sample predictions with what they are graded against, and the metric
// tables built from them: overall, per fold, per calendar year and per stock.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "evaluation/metrics.hpp"

namespace kestrel::evaluation {

// One test sample: ticker/date indices into the feature matrix's axes, the class label, the
// model's score and the realised forward return over the label's horizon (NaN if unknown).
struct ScoredSample {
  std::uint32_t ticker = 0;
  std::uint32_t t = 0;
  std::uint32_t fold = 0;
  float label = 0;
  float score = 0;
  float forward_return = 0;
};

struct MetricRow {
  std::string group;  // "all", "fold 0", "2018", "AAPL"
  ClassificationMetrics classification;
  InformationCoefficients ic;
};

struct MetricTable {
  MetricRow overall;
  std::vector<MetricRow> per_fold;
  std::vector<MetricRow> per_year;
  std::vector<MetricRow> per_stock;  // IC is a cross-section per date: NaN per stock
};

MetricRow metric_row(std::string group, std::span<const ScoredSample> samples);
MetricTable metric_table(std::span<const ScoredSample> samples, std::span<const core::Date> dates,
                         std::span<const std::string> tickers);

// Stock by stock (those with at least `min_samples` test samples in both tables): on how many
// `model` has the higher accuracy, the lower, or the same; and whether the split of wins and
// losses could be luck — the two-sided sign test (ties left out), exact binomial, p = 1 when
// nothing was decided.
struct StockComparison {
  std::size_t compared = 0, wins = 0, losses = 0, ties = 0;
  double share = 0;    // wins / compared; NaN when nothing was compared
  double p_value = 1;  // of wins vs losses under "each stock is a coin flip"
};
StockComparison compare_per_stock(const MetricTable& model, const MetricTable& other, std::size_t min_samples = 20);

// Two-sided exact sign test: P(|X − n/2| ≥ |k − n/2|) for X ~ Binomial(n, ½).
double sign_test_p_value(std::size_t k, std::size_t n);

// compare_per_stock(model, baseline).share.
double share_of_stocks_beaten(const MetricTable& model, const MetricTable& baseline, std::size_t min_samples = 20);

}  // namespace kestrel::evaluation
