#include "evaluation/scored_samples.hpp"

#include <algorithm>
#include <limits>
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

double share_of_stocks_beaten(const MetricTable& model, const MetricTable& baseline, std::size_t min_samples) {
  std::map<std::string, double> base;
  for (const auto& r : baseline.per_stock) {
    if (r.classification.samples >= min_samples) base[r.group] = r.classification.accuracy;
  }
  std::size_t compared = 0, beaten = 0;
  for (const auto& r : model.per_stock) {
    const auto it = base.find(r.group);
    if (it == base.end() || r.classification.samples < min_samples) continue;
    ++compared;
    if (r.classification.accuracy > it->second) ++beaten;
  }
  return compared == 0 ? std::numeric_limits<double>::quiet_NaN()
                       : static_cast<double>(beaten) / static_cast<double>(compared);
}

}  // namespace kestrel::evaluation
