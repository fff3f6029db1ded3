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

// Share of the stocks present in both tables (with at least `min_samples` test samples in
// each) on which `model` has a higher accuracy than `baseline`; NaN when there are none.
double share_of_stocks_beaten(const MetricTable& model, const MetricTable& baseline, std::size_t min_samples = 20);

}  // namespace kestrel::evaluation
