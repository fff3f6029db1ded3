#include "pipeline/sentiment_inputs.hpp"

#include <set>

#include <fmt/format.h>

#include "core/date.hpp"
#include "sentiment/sentiment_classifier.hpp"
#include "sentiment/text_key.hpp"
#include "store/market_store.hpp"

namespace kestrel::pipeline {
namespace {

// Noon UTC of a date: before the New York close, so the date's own session.
std::int64_t midday(core::Date d) { return static_cast<std::int64_t>(d.days()) * 86400 + 12 * 3600; }

std::string day_of(std::int64_t seconds) {
  return core::Date::from_days(static_cast<std::int32_t>(seconds / 86400)).to_string();
}

}  // namespace

core::Result<SentimentInputs> load_sentiment_inputs(const SentimentFeaturesConfig& config,
                                                    std::span<const std::string> tickers) {
  auto store = store::MarketStore::open(config.news_db, store::MarketStore::Access::ReadOnly);
  if (!store) return std::unexpected(store.error());
  auto summary = store->news_summary();
  if (!summary) return std::unexpected(summary.error());
  if (summary->items == 0 || !summary->first_published_at) {
    return core::fail_as(core::ErrorKind::Config, "features.sentiment.news_db {}: holds no news (fill it with `kestrel news import`)",
                         config.news_db.string());
  }
  std::optional<sentiment::SentimentClassifier> classifier;
  if (!config.classifier.empty()) {
    auto loaded = sentiment::SentimentClassifier::load(config.classifier);
    if (!loaded) return std::unexpected(loaded.error());
    classifier = std::move(*loaded);
  }
  auto items = store->news({.tickers = {tickers.begin(), tickers.end()}, .from = std::nullopt, .to = std::nullopt});
  if (!items) return std::unexpected(items.error());

  SentimentInputs out;
  out.options = {.half_life = config.half_life,
                 .novelty_window = config.novelty_window,
                 .volume_window = config.volume_window,
                 .coverage_from = config.coverage_from ? midday(*config.coverage_from) : *summary->first_published_at,
                 .coverage_to = config.coverage_to ? midday(*config.coverage_to) : *summary->last_published_at};
  std::size_t by_vendor = 0, by_classifier = 0;
  std::set<std::string> covered;
  for (const store::NewsItem& item : *items) {
    const std::string text = item.title.empty() ? item.text
                             : item.text.empty() ? item.title
                                                 : item.title + ". " + item.text;
    const std::uint64_t key = sentiment::text_key(text);
    std::optional<float> model_score;
    for (const store::NewsTicker& t : item.tickers) {
      float score = 0;
      if (config.vendor_scores && t.vendor_score) {
        score = static_cast<float>(*t.vendor_score);
        ++by_vendor;
      } else if (classifier) {
        if (!model_score) model_score = classifier->score(text);
        score = *model_score;
        ++by_classifier;
      } else {
        return core::fail_as(core::ErrorKind::Config,
                             "{}: news item {} ({}) for {} has no vendor score and features.sentiment.classifier is not set",
                             config.news_db.string(), item.id, day_of(item.published_at), t.ticker);
      }
      out.news.push_back({.published_at = item.published_at, .ticker = t.ticker, .score = score, .text_key = key});
      covered.insert(t.ticker);
    }
  }
  if (out.news.empty()) {
    // Every sentiment feature would say "no items" everywhere: a run that only looks like one.
    return core::fail_as(core::ErrorKind::Config,
                         "features.sentiment.news_db {}: no news for any of the run's {} tickers ({} items for other tickers)",
                         config.news_db.string(), tickers.size(), summary->items);
  }
  out.summary = fmt::format(
      "news sentiment: {} items, {} item-ticker pairs for {} of {} tickers, coverage {} .. {}; scored by {}",
      items->size(), out.news.size(), covered.size(), tickers.size(), day_of(out.options.coverage_from),
      day_of(out.options.coverage_to),
      by_vendor == 0 ? fmt::format("the classifier {}", config.classifier.string())
      : by_classifier == 0 ? std::string("the vendors' scores")
                           : fmt::format("the vendors' scores ({}) and the classifier {} ({})", by_vendor,
                                         config.classifier.string(), by_classifier));
  return out;
}

}  // namespace kestrel::pipeline
