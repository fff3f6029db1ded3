#pragma once
// News-sentiment features per ticker and session, appended to a FeatureMatrix after the
// price features (docs/features.md, "Sentiment"). Each item counts for the session it can
// first affect (news_sessions.hpp), so day t's values use only texts published before t's
// close. Missing news is not neutral: inside the news source's coverage a day without items
// has news_count 0 and news_none 1 while its score features are NaN; outside the coverage
// (before the source starts, after it ends) every sentiment feature is NaN.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "features/feature_matrix.hpp"
#include "store/panel.hpp"

namespace kestrel::features {

// One (item, ticker) pair with its sentiment score in [-1, 1].
struct ScoredNews {
  std::int64_t published_at = 0;  // UTC seconds
  std::string ticker;
  float score = 0;
  std::uint64_t text_key = 0;  // equal for texts that repeat one another (novelty)
};

struct SentimentFeatureOptions {
  double half_life = 3;             // sessions, of news_decayed
  std::size_t novelty_window = 5;   // sessions a repeated text stays "seen"
  std::size_t volume_window = 60;   // sessions of the news-volume baseline
  // The news source's span (UTC seconds, inclusive): fixed by the source, not by the panel,
  // so cutting the panel short changes nothing before the cut.
  std::int64_t coverage_from = 0;
  std::int64_t coverage_to = 0;
};

inline constexpr std::size_t kSentimentFeatureCount = 9;
std::span<const std::string_view, kSentimentFeatureCount> sentiment_feature_names();

// Appends the sentiment features to `matrix` (computed from `panel`, same tickers and dates).
// Items for tickers not in the panel are ignored, as are those after its last session.
void append_sentiment_features(FeatureMatrix& matrix, const store::Panel& panel, std::span<const ScoredNews> news,
                               const SentimentFeatureOptions& options);

}  // namespace kestrel::features
