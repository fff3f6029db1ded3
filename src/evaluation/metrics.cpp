#include "evaluation/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace kestrel::evaluation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

std::vector<double> average_ranks(std::span<const double> x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> ranks(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && x[order[j]] == x[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (std::size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size();
  if (n < 2 || y.size() != n) return kNaN;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

double spearman(std::span<const double> x, std::span<const double> y) {
  const auto rx = average_ranks(x);
  const auto ry = average_ranks(y);
  return pearson(rx, ry);
}

double roc_auc(std::span<const float> labels, std::span<const float> scores) {
  std::vector<double> s(scores.begin(), scores.end());
  const auto ranks = average_ranks(s);
  double positives = 0, rank_sum = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 0.5F) {
      positives += 1;
      rank_sum += ranks[i];
    }
  }
  const double negatives = static_cast<double>(labels.size()) - positives;
  if (positives == 0 || negatives == 0) return kNaN;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

ClassificationMetrics classification_metrics(std::span<const float> labels, std::span<const float> scores) {
  ClassificationMetrics m;
  m.samples = labels.size();
  if (labels.empty()) {
    m.accuracy = m.balanced_accuracy = m.auc = m.mcc = m.log_loss = m.positive_rate = kNaN;
    return m;
  }
  double tp = 0, tn = 0, fp = 0, fn = 0, loss = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const bool actual = labels[i] > 0.5F;
    const bool predicted = scores[i] > 0.5F;
    if (actual && predicted) tp += 1;
    if (actual && !predicted) fn += 1;
    if (!actual && predicted) fp += 1;
    if (!actual && !predicted) tn += 1;
    const double p = std::clamp(static_cast<double>(scores[i]), 1e-7, 1 - 1e-7);
    loss -= actual ? std::log(p) : std::log(1 - p);
  }
  const double n = static_cast<double>(labels.size());
  m.accuracy = (tp + tn) / n;
  m.positive_rate = (tp + fn) / n;
  const double tpr = tp + fn > 0 ? tp / (tp + fn) : kNaN;
  const double tnr = tn + fp > 0 ? tn / (tn + fp) : kNaN;
  // sklearn averages the recall of the classes that occur.
  if (std::isnan(tpr)) m.balanced_accuracy = tnr;
  else if (std::isnan(tnr)) m.balanced_accuracy = tpr;
  else m.balanced_accuracy = 0.5 * (tpr + tnr);
  const double denominator = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  m.mcc = denominator > 0 ? (tp * tn - fp * fn) / std::sqrt(denominator) : 0.0;
  m.log_loss = loss / n;
  m.auc = roc_auc(labels, scores);
  return m;
}

InformationCoefficients information_coefficients(std::span<const std::uint32_t> date,
                                                 std::span<const float> scores,
                                                 std::span<const float> forward_returns,
                                                 std::size_t min_per_date) {
  std::vector<std::size_t> order;
  order.reserve(date.size());
  for (std::size_t i = 0; i < date.size(); ++i) {
    if (std::isfinite(forward_returns[i]) && std::isfinite(scores[i])) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return date[a] < date[b]; });
  std::vector<double> ics, rank_ics, x, y;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    x.clear();
    y.clear();
    while (j < order.size() && date[order[j]] == date[order[i]]) {
      x.push_back(scores[order[j]]);
      y.push_back(forward_returns[order[j]]);
      ++j;
    }
    i = j;
    if (x.size() < std::max<std::size_t>(min_per_date, 2)) continue;
    const double ic = pearson(x, y);
    const double rank_ic = spearman(x, y);
    if (std::isnan(ic) || std::isnan(rank_ic)) continue;
    ics.push_back(ic);
    rank_ics.push_back(rank_ic);
  }
  InformationCoefficients out;
  out.dates = ics.size();
  auto mean_and_ir = [](const std::vector<double>& v, double& mean, double& ir) {
    if (v.empty()) {
      mean = ir = kNaN;
      return;
    }
    mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    if (v.size() < 2) {
      ir = kNaN;
      return;
    }
    double ss = 0;
    for (double e : v) ss += (e - mean) * (e - mean);
    const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
    ir = sd > 0 ? mean / sd : kNaN;
  };
  mean_and_ir(ics, out.ic, out.icir);
  mean_and_ir(rank_ics, out.rank_ic, out.rank_icir);
  return out;
}

}  // namespace kestrel::evaluation
