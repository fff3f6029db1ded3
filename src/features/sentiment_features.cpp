#include "features/sentiment_features.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <vector>

#include "features/news_sessions.hpp"

namespace kestrel::features {
namespace {

constexpr std::array<std::string_view, kSentimentFeatureCount> kNames = {
    "news_count", "news_none", "news_mean", "news_max", "news_min",
    "news_decayed", "news_novelty", "news_abnormal_volume", "news_market_mean"};
enum Slot { kCount, kNone, kMean, kMax, kMin, kDecayed, kNovelty, kAbnormalVolume, kMarketMean };

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One ticker's news of one session.
struct Day {
  std::size_t count = 0;
  std::size_t novel = 0;
  double sum = 0;
  float max = -std::numeric_limits<float>::infinity();
  float min = std::numeric_limits<float>::infinity();
};

}  // namespace

std::span<const std::string_view, kSentimentFeatureCount> sentiment_feature_names() { return kNames; }

void append_sentiment_features(FeatureMatrix& matrix, const store::Panel& panel, std::span<const ScoredNews> news,
                               const SentimentFeatureOptions& options) {
  const std::size_t tickers = matrix.num_tickers();
  const std::size_t dates = matrix.num_dates();
  const std::size_t first_new = matrix.num_features();
  for (auto name : kNames) matrix.names.emplace_back(name);
  matrix.values.resize(matrix.names.size() * tickers * dates);
  auto out = [&](Slot s, std::size_t ticker) { return matrix.series(first_new + s, ticker); };

  // The covered sessions: from the one the source's first possible item would count for to
  // the one its last would.
  const std::size_t cover_begin = news_session(matrix.dates, options.coverage_from);
  const std::size_t cover_end = std::min(dates, news_session(matrix.dates, options.coverage_to) + 1);

  // Items by (ticker, session), in time order within each.
  std::vector<std::vector<std::vector<const ScoredNews*>>> by_day(tickers);
  std::vector<double> market_sum(dates, 0.0);
  std::vector<std::size_t> market_count(dates, 0);
  std::unordered_map<std::string, std::size_t> ticker_of;
  for (std::size_t i = 0; i < tickers; ++i) ticker_of.emplace(matrix.tickers[i], i);
  std::vector<const ScoredNews*> ordered;
  ordered.reserve(news.size());
  for (const auto& n : news) ordered.push_back(&n);
  std::stable_sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->published_at < b->published_at; });
  for (const ScoredNews* n : ordered) {
    const auto it = ticker_of.find(n->ticker);
    if (it == ticker_of.end()) continue;
    const std::size_t t = news_session(matrix.dates, n->published_at);
    if (t < cover_begin || t >= cover_end) continue;
    auto& days = by_day[it->second];
    if (days.empty()) days.resize(dates);
    days[t].push_back(n);
    market_sum[t] += n->score;
    ++market_count[t];
  }

  const double decay = std::pow(0.5, 1.0 / options.half_life);
  const std::size_t novelty_window = options.novelty_window;
  const std::size_t volume_window = options.volume_window;
  for (std::size_t ticker = 0; ticker < tickers; ++ticker) {
    for (std::size_t s = 0; s < kNames.size(); ++s) {
      auto series = out(static_cast<Slot>(s), ticker);
      std::fill(series.begin(), series.end(), kNaN);
    }
    std::unordered_map<std::uint64_t, std::size_t> last_seen;  // text -> session
    double decayed_sum = 0, decayed_weight = 0;
    double volume_sum = 0;  // log1p(count) over the previous volume_window covered sessions
    std::vector<double> log_volume(dates, 0.0);
    const auto& days = by_day[ticker];
    for (std::size_t t = cover_begin; t < cover_end; ++t) {
      Day d;
      if (!days.empty()) {
        for (const ScoredNews* n : days[t]) {
          ++d.count;
          d.sum += n->score;
          d.max = std::max(d.max, n->score);
          d.min = std::min(d.min, n->score);
          const auto seen = last_seen.find(n->text_key);
          if (seen == last_seen.end() || (seen->second < t && t - seen->second > novelty_window)) ++d.novel;
          last_seen[n->text_key] = t;
        }
      }
      decayed_sum = decayed_sum * decay + d.sum;
      decayed_weight = decayed_weight * decay + static_cast<double>(d.count);
      log_volume[t] = std::log1p(static_cast<double>(d.count));
      const std::size_t history = std::min(volume_window, t - cover_begin);
      const double abnormal = history > 0 ? log_volume[t] - volume_sum / static_cast<double>(history) : std::nan("");
      volume_sum += log_volume[t];
      if (t - cover_begin >= volume_window) volume_sum -= log_volume[t - volume_window];

      if (!panel.has_bar(ticker, t)) continue;  // no session for this ticker: NaN like every feature
      const auto at = [&](Slot s) -> float& { return out(s, ticker)[t]; };
      at(kCount) = static_cast<float>(d.count);
      at(kNone) = d.count == 0 ? 1.0f : 0.0f;
      if (d.count > 0) {
        at(kMean) = static_cast<float>(d.sum / static_cast<double>(d.count));
        at(kMax) = d.max;
        at(kMin) = d.min;
        at(kNovelty) = static_cast<float>(static_cast<double>(d.novel) / static_cast<double>(d.count));
      }
      if (decayed_weight > 0) at(kDecayed) = static_cast<float>(decayed_sum / decayed_weight);
      at(kAbnormalVolume) = static_cast<float>(abnormal);
      if (market_count[t] > 0) at(kMarketMean) = static_cast<float>(market_sum[t] / static_cast<double>(market_count[t]));
    }
  }
}

}  // namespace kestrel::features
