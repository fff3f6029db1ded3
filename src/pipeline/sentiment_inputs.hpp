#pragma once
// What the pipeline's sentiment features need (features.sentiment): every stored (item,
// ticker) pair of the panel's tickers with its score and text key, and the news source's
// coverage. Read once per run; the leak check's recomputations reuse it.
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "features/sentiment_features.hpp"
#include "pipeline/pipeline_config.hpp"

namespace kestrel::pipeline {

struct SentimentInputs {
  std::vector<features::ScoredNews> news;
  features::SentimentFeatureOptions options;
  std::string summary;  // one line for the log and the report
};

core::Result<SentimentInputs> load_sentiment_inputs(const SentimentFeaturesConfig& config,
                                                    std::span<const std::string> tickers);

}  // namespace kestrel::pipeline
