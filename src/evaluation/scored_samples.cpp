#include "evaluation/scored_samples.hpp"

#include <algorithm>
#include <limits>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace kestrel::evaluation {

MetricRow metric_row(std::string group, std::span<const ScoredSample> samples) {
  std::vector<float> labels, scores, returns;
  std::vector<std::uint32_t> date;
  labels.reserve(samples.size());
  scores.reserve(samples.size());
  returns.reserve(samples.size());
  date.reserve(samples.size());
  for (const auto& s : samples) {
    labels.push_back(s.label);
    scores.push_back(s.score);
    returns.push_back(s.forward_return);
    date.push_back(s.t);
  }
  return {std::move(group), classification_metrics(labels, scores), information_coefficients(date, scores, returns)};
}

namespace {

template <class Key, class Name>
std::vector<MetricRow> grouped(std::span<const ScoredSample> samples, Key key, Name name) {
  std::map<decltype(key(samples[0])), std::vector<ScoredSample>> groups;
  for (const auto& s : samples) groups[key(s)].push_back(s);
  std::vector<MetricRow> rows;
  for (const auto& [k, members] : groups) rows.push_back(metric_row(name(k), members));
  return rows;
}

}  // namespace

MetricTable metric_table(std::span<const ScoredSample> samples, std::span<const core::Date> dates,
                         std::span<const std::string> tickers) {
  MetricTable table;
  table.overall = metric_row("all", samples);
  if (samples.empty()) return table;
  table.per_fold = grouped(samples, [](const ScoredSample& s) { return s.fold; },
                           [](std::uint32_t f) { return fmt::format("fold {}", f); });
  table.per_year = grouped(samples, [&](const ScoredSample& s) { return dates[s.t].year(); },
                           [](int y) { return fmt::format("{}", y); });
  table.per_stock = grouped(samples, [](const ScoredSample& s) { return s.ticker; },
                            [&](std::uint32_t k) { return tickers[k]; });
  return table;
}

StockComparison compare_per_stock(const MetricTable& model, const MetricTable& other, std::size_t min_samples) {
  std::map<std::string, double> base;
  for (const auto& r : other.per_stock) {
    if (r.classification.samples >= min_samples) base[r.group] = r.classification.accuracy;
  }
  StockComparison c;
  for (const auto& r : model.per_stock) {
    const auto it = base.find(r.group);
    if (it == base.end() || r.classification.samples < min_samples) continue;
    ++c.compared;
    if (r.classification.accuracy > it->second) ++c.wins;
    else if (r.classification.accuracy < it->second) ++c.losses;
    else ++c.ties;
  }
  c.share = c.compared == 0 ? std::numeric_limits<double>::quiet_NaN()
                            : static_cast<double>(c.wins) / static_cast<double>(c.compared);
  c.p_value = sign_test_p_value(c.wins, c.wins + c.losses);
  return c;
}

double sign_test_p_value(std::size_t k, std::size_t n) {
  if (n == 0) return 1.0;
  // Sum the tail beyond the more extreme side in log space (n up to thousands of stocks).
  const std::size_t extreme = std::max(k, n - k);
  const double log_half_n = static_cast<double>(n) * std::log(0.5);
  double tail = 0;
  for (std::size_t j = extreme; j <= n; ++j) {
    const double log_choose = std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(j) + 1) -
                              std::lgamma(static_cast<double>(n - j) + 1);
    tail += std::exp(log_choose + log_half_n);
  }
  // Both tails; when k is exactly n/2 the two tails overlap in the middle term and cover everything.
  return std::min(1.0, 2 * tail);
}

double share_of_stocks_beaten(const MetricTable& model, const MetricTable& baseline, std::size_t min_samples) {
  return compare_per_stock(model, baseline, min_samples).share;
}

}  // namespace kestrel::evaluation
