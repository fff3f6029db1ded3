#include "server/prediction_outcomes.hpp"

#include "evaluation/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace kestrel::server {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double median(std::vector<double> v) {
  const std::size_t n = v.size();
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2), v.end());
  const double upper = v[n / 2];
  if (n % 2 == 1) return upper;
  return 0.5 * (upper + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2)));
}

struct Day {
  core::Date date{};
  std::vector<double> scores, returns;
  bool pending = false;
};

}  // namespace

std::vector<ModelOutcomes> prediction_outcomes(const std::vector<store::JournalPrediction>& predictions,
                                               const store::Panel& panel, std::size_t window) {
  // model -> date -> (score, return) pairs
  std::map<std::string, std::map<core::Date, Day>> days;
  std::map<std::string, std::size_t> counts;
  for (const auto& p : predictions) {
    ++counts[p.model];
    Day& day = days[p.model][p.date];
    day.date = p.date;
    const auto t = panel.date_index(p.date);
    const auto ticker = panel.ticker_index(p.ticker);
    if (!t || !ticker) continue;
    if (*t + 1 >= panel.num_dates()) {
      day.pending = true;
      continue;
    }
    const double now = panel.value(store::Field::AdjClose, *ticker, *t);
    const double next = panel.value(store::Field::AdjClose, *ticker, *t + 1);
    if (!(now > 0) || std::isnan(next) || std::isnan(p.score)) continue;
    day.scores.push_back(p.score);
    day.returns.push_back(next / now - 1);
  }

  std::vector<ModelOutcomes> out;
  for (auto& [model, by_date] : days) {
    ModelOutcomes m;
    m.model = model;
    m.predictions = counts[model];
    double ic_sum = 0;
    std::size_t ic_days = 0;
    std::vector<std::pair<std::size_t, std::size_t>> per_day;  // (hits, scored)
    for (auto& [date, day] : by_date) {
      if (day.pending) ++m.pending_days;
      if (day.scores.size() < 2) continue;
      const double score_median = median(day.scores);
      const double return_median = median(day.returns);
      std::size_t hits = 0, scored = 0;
      for (std::size_t i = 0; i < day.scores.size(); ++i) {
        if (day.scores[i] == score_median || day.returns[i] == return_median) continue;
        ++scored;
        if ((day.scores[i] > score_median) == (day.returns[i] > return_median)) ++hits;
      }
      if (day.scores.size() >= 3) {
        const double ic = evaluation::spearman(day.scores, day.returns);
        if (!std::isnan(ic)) {
          ic_sum += ic;
          ++ic_days;
        }
      }
      if (scored == 0) continue;
      m.hits += hits;
      m.scored += scored;
      m.dates.push_back(date);
      m.daily_hit_rate.push_back(static_cast<double>(hits) / static_cast<double>(scored));
      per_day.emplace_back(hits, scored);
      std::size_t window_hits = 0, window_scored = 0;
      for (std::size_t k = per_day.size() > window ? per_day.size() - window : 0; k < per_day.size(); ++k) {
        window_hits += per_day[k].first;
        window_scored += per_day[k].second;
      }
      m.rolling_hit_rate.push_back(static_cast<double>(window_hits) / static_cast<double>(window_scored));
    }
    m.hit_rate = m.scored > 0 ? static_cast<double>(m.hits) / static_cast<double>(m.scored) : kNaN;
    m.mean_rank_ic = ic_days > 0 ? ic_sum / static_cast<double>(ic_days) : kNaN;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace kestrel::server
