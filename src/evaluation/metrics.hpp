#pragma once
// Out-of-sample metrics of a model's scores, as pure functions.
//
// Classification (labels 0/1, scores = P(label = 1)):
//   accuracy           share of samples where (score > 0.5) equals the label
//   balanced accuracy  mean of the true-positive and true-negative rates
//   AUC                Mann-Whitney U / (n_pos n_neg); tied scores share their average rank,
//                      so a constant score gives exactly 0.5
//   MCC                Matthews correlation of the thresholded predictions (0 when a row or
//                      column of the confusion matrix is empty, as sklearn)
//   log loss           mean cross-entropy, probabilities clipped to [1e-7, 1 - 1e-7]
// Cross-sectional signal quality (scores against forward returns, per date):
//   IC       Pearson correlation of score and forward return across that date's tickers,
//            averaged over dates
//   rank IC  the same with Spearman (average ranks for ties)
//   ICIR     mean / standard deviation (ddof = 1) of the daily IC — not annualised
// Dates with fewer than `min_per_date` pairs, or a constant score or return, are skipped
// (a correlation is undefined there). Everything is NaN when nothing can be computed.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace kestrel::evaluation {

struct ClassificationMetrics {
  std::size_t samples = 0;
  double accuracy = 0;
  double balanced_accuracy = 0;
  double auc = 0;
  double mcc = 0;
  double log_loss = 0;
  double positive_rate = 0;  // share of labels equal to 1 (what always-up scores)
};

// labels and scores have the same length; labels are 0 or 1.
ClassificationMetrics classification_metrics(std::span<const float> labels, std::span<const float> scores);
double roc_auc(std::span<const float> labels, std::span<const float> scores);

struct InformationCoefficients {
  std::size_t dates = 0;  // dates that entered the averages
  double ic = 0;
  double rank_ic = 0;
  double icir = 0;
  double rank_icir = 0;
};

// date[i] groups sample i (any integer key, e.g. a panel date index); the samples need not be
// sorted. NaN returns are ignored.
InformationCoefficients information_coefficients(std::span<const std::uint32_t> date,
                                                 std::span<const float> scores,
                                                 std::span<const float> forward_returns,
                                                 std::size_t min_per_date = 5);

// Pearson and Spearman correlation of two equally long series (NaN if undefined).
double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);
// Average ranks (1-based; ties share the mean of their ranks).
std::vector<double> average_ranks(std::span<const double> x);

}  // namespace kestrel::evaluation
