#include "features/sentiment_features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/new_york_time.hpp"
#include "features/news_sessions.hpp"

namespace kestrel::features {
namespace {

using core::Date;

// Seconds since the epoch of a UTC date and time.
std::int64_t utc(Date d, int h, int m = 0, int s = 0) { return std::int64_t{d.days()} * 86400 + h * 3600 + m * 60 + s; }

// Two tickers, weekdays from Monday 2014-07-07 for `days` sessions; B has no bar on the third.
store::Panel two_tickers(std::size_t days) {
  std::vector<store::TickerSeries> series;
  for (const char* symbol : {"A", "B"}) series.push_back({.symbol = symbol, .sector = "Tech", .bars = {}, .actions = {}});
  Date d = Date::from_ymd(2014, 7, 7);
  for (std::size_t i = 0; i < days; d = d + 1) {
    if (d.is_weekend()) continue;
    const store::Bar bar{.date = d, .open = 10, .high = 11, .low = 9, .close = 10, .adj_close = 10, .volume = 1000};
    series[0].bars.push_back(bar);
    if (i != 2) series[1].bars.push_back(bar);
    ++i;
  }
  return store::Panel::build(series);
}

FeatureMatrix empty_matrix(const store::Panel& panel) {
  FeatureMatrix m;
  m.dates.assign(panel.dates().begin(), panel.dates().end());
  m.tickers = panel.tickers();
  return m;
}

float value(const FeatureMatrix& m, std::string_view name, std::string_view ticker, std::size_t t) {
  std::size_t k = 0;
  while (k < m.num_tickers() && m.tickers[k] != ticker) ++k;
  return m.at(*m.feature_index(name), k, t);
}

bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0; }

TEST(NewsSentimentTime, NewYorkTimeFollowsDaylightSavingSwitches) {
  // 2014: daylight saving from Sunday 9 March 02:00 EST to Sunday 2 November 02:00 EDT.
  auto local = [](std::int64_t t) {
    const auto n = core::new_york_time(t);
    return std::make_pair(n.date.to_string(), n.seconds);
  };
  EXPECT_EQ(local(utc(Date::from_ymd(2014, 3, 9), 6, 59, 59)), std::make_pair(std::string("2014-03-09"), 1 * 3600 + 59 * 60 + 59));
  EXPECT_EQ(local(utc(Date::from_ymd(2014, 3, 9), 7)), std::make_pair(std::string("2014-03-09"), 3 * 3600));
  EXPECT_EQ(local(utc(Date::from_ymd(2014, 11, 2), 5, 59, 59)), std::make_pair(std::string("2014-11-02"), 1 * 3600 + 59 * 60 + 59));
  EXPECT_EQ(local(utc(Date::from_ymd(2014, 11, 2), 6)), std::make_pair(std::string("2014-11-02"), 1 * 3600));
  // Before 2007 the switch was in April and October.
  EXPECT_FALSE(core::new_york_time(utc(Date::from_ymd(2005, 3, 20), 12)).daylight_saving);
  EXPECT_TRUE(core::new_york_time(utc(Date::from_ymd(2005, 4, 4), 12)).daylight_saving);
  // UTC midnight is the evening before in New York.
  EXPECT_EQ(local(utc(Date::from_ymd(2014, 1, 1), 1, 18, 36)), std::make_pair(std::string("2013-12-31"), 20 * 3600 + 18 * 60 + 36));
}

TEST(NewsSentimentTime, NewYorkWallTimesConvertBackToTheirInstant) {
  // Every 17 minutes of 2014 round-trips, except the repeated hour of 2 November (01:00-02:00
  // happens twice), which converts to its later instant.
  const std::int64_t begin = utc(Date::from_ymd(2014, 1, 1), 0), end = utc(Date::from_ymd(2015, 1, 1), 0);
  const std::int64_t repeated_from = utc(Date::from_ymd(2014, 11, 2), 5), repeated_to = utc(Date::from_ymd(2014, 11, 2), 6);
  for (std::int64_t t = begin; t < end; t += 17 * 60) {
    const auto local = core::new_york_time(t);
    const std::int64_t back = core::from_new_york_time(local.date, local.seconds);
    if (t >= repeated_from && t < repeated_to) EXPECT_EQ(back, t + 3600) << t;
    else ASSERT_EQ(back, t) << local.date.to_string() << " " << local.seconds;
  }
  EXPECT_EQ(core::from_new_york_time(Date::from_ymd(2014, 7, 7), 16 * 3600), utc(Date::from_ymd(2014, 7, 7), 20));
  EXPECT_EQ(core::from_new_york_time(Date::from_ymd(2014, 1, 7), 16 * 3600), utc(Date::from_ymd(2014, 1, 7), 21));
}

TEST(NewsSentimentTime, AfterTheCloseOrOnADayWithoutASessionCountsForTheNextSession) {
  const auto panel = two_tickers(10);  // Mon 7 Jul .. Fri 18 Jul 2014
  const auto dates = panel.dates();
  const Date monday = Date::from_ymd(2014, 7, 7);
  // Summer: the 16:00 close is 20:00 UTC.
  EXPECT_EQ(news_session(dates, utc(monday, 19, 59, 59)), 0u);
  EXPECT_EQ(news_session(dates, utc(monday, 20)), 1u);
  // Before the open counts for the same day's session: it is known at its close.
  EXPECT_EQ(news_session(dates, utc(monday, 12)), 0u);
  // Saturday and Sunday count for Monday 14 July (index 5).
  EXPECT_EQ(news_session(dates, utc(Date::from_ymd(2014, 7, 12), 15)), 5u);
  EXPECT_EQ(news_session(dates, utc(Date::from_ymd(2014, 7, 13), 23)), 5u);  // 19:00 EDT Sunday
  // Friday after the close: Monday.
  EXPECT_EQ(news_session(dates, utc(Date::from_ymd(2014, 7, 11), 21)), 5u);
  // After the last session: none.
  EXPECT_EQ(news_session(dates, utc(Date::from_ymd(2014, 7, 18), 20)), dates.size());
  // Winter: the close is 21:00 UTC.
  const std::vector<Date> winter = {Date::from_ymd(2014, 1, 2), Date::from_ymd(2014, 1, 3)};
  EXPECT_EQ(news_session(winter, utc(winter[0], 20, 59)), 0u);
  EXPECT_EQ(news_session(winter, utc(winter[0], 21)), 1u);
}

TEST(NewsSentimentFeatures, HandComputedValuesAndMissingNewsIsNotNeutral) {
  const auto panel = two_tickers(8);  // Mon 7 .. Wed 16 Jul 2014
  FeatureMatrix m = empty_matrix(panel);
  const Date mon = Date::from_ymd(2014, 7, 7);
  const std::vector<ScoredNews> news = {
      {.published_at = utc(mon, 14), .ticker = "A", .score = 0.5f, .text_key = 1},
      {.published_at = utc(mon, 15), .ticker = "A", .score = -0.25f, .text_key = 2},
      {.published_at = utc(mon, 16), .ticker = "A", .score = 0.75f, .text_key = 1},      // repeats text 1
      {.published_at = utc(mon + 1, 13), .ticker = "B", .score = -1.0f, .text_key = 3},  // Tue
      {.published_at = utc(mon + 2, 21), .ticker = "A", .score = 1.0f, .text_key = 1},   // Wed after close: Thu
      {.published_at = utc(mon, 14), .ticker = "ZZZ", .score = 1.0f, .text_key = 9},     // not in the panel
  };
  // Coverage from Monday to the following Tuesday (index 6); Wednesday 16 is outside.
  const SentimentFeatureOptions options{.half_life = 1, .novelty_window = 5, .volume_window = 60,
                                        .coverage_from = utc(mon, 0), .coverage_to = utc(mon + 8, 12)};
  append_sentiment_features(m, panel, news, options);
  ASSERT_EQ(m.num_features(), kSentimentFeatureCount);

  // Monday, A: three items, mean 1/3, max 0.75, min -0.25; novelty 2 of 3.
  EXPECT_FLOAT_EQ(value(m, "news_count", "A", 0), 3);
  EXPECT_FLOAT_EQ(value(m, "news_none", "A", 0), 0);
  EXPECT_FLOAT_EQ(value(m, "news_mean", "A", 0), 1.0f / 3);
  EXPECT_FLOAT_EQ(value(m, "news_max", "A", 0), 0.75f);
  EXPECT_FLOAT_EQ(value(m, "news_min", "A", 0), -0.25f);
  EXPECT_FLOAT_EQ(value(m, "news_novelty", "A", 0), 2.0f / 3);
  EXPECT_FLOAT_EQ(value(m, "news_decayed", "A", 0), 1.0f / 3);
  EXPECT_TRUE(std::isnan(value(m, "news_abnormal_volume", "A", 0)));  // no history yet
  // The market's mean over every panel ticker's items that day (ZZZ is not one).
  EXPECT_FLOAT_EQ(value(m, "news_market_mean", "B", 0), 1.0f / 3);

  // Tuesday, A: no items, said explicitly; the scores are missing, not zero; the decayed
  // score carries Monday's at half weight (half-life 1), which still means 1/3.
  EXPECT_FLOAT_EQ(value(m, "news_count", "A", 1), 0);
  EXPECT_FLOAT_EQ(value(m, "news_none", "A", 1), 1);
  EXPECT_TRUE(std::isnan(value(m, "news_mean", "A", 1)));
  EXPECT_TRUE(std::isnan(value(m, "news_novelty", "A", 1)));
  EXPECT_FLOAT_EQ(value(m, "news_decayed", "A", 1), 1.0f / 3);
  EXPECT_FLOAT_EQ(value(m, "news_abnormal_volume", "A", 1), static_cast<float>(std::log1p(0.0) - std::log1p(3.0)));
  EXPECT_FLOAT_EQ(value(m, "news_market_mean", "A", 1), -1.0f);
  EXPECT_FLOAT_EQ(value(m, "news_mean", "B", 1), -1.0f);

  // Wednesday: B has no bar, so every feature is NaN for it, like every price feature.
  for (auto name : sentiment_feature_names()) EXPECT_TRUE(std::isnan(value(m, name, "B", 2))) << name;
  // Thursday, A: Wednesday's after-close item; text 1 was seen 3 sessions ago, within 5: not novel.
  EXPECT_FLOAT_EQ(value(m, "news_count", "A", 3), 1);
  EXPECT_FLOAT_EQ(value(m, "news_novelty", "A", 3), 0);
  // decayed: (1/3 * 3 items * 1/8 + 1.0) / (3 * 1/8 + 1)
  EXPECT_NEAR(value(m, "news_decayed", "A", 3), (1.0 * 0.125 + 1.0) / (3 * 0.125 + 1), 1e-6);
  // Outside the coverage (Wednesday 16 July, index 7) nothing is known: NaN, not "no items".
  for (auto name : sentiment_feature_names()) EXPECT_TRUE(std::isnan(value(m, name, "A", 7))) << name;
}

TEST(NewsSentimentFeatures, ArePointInTimeWhenThePanelIsCut) {
  const auto full_panel = two_tickers(40);
  std::vector<ScoredNews> news;
  const Date first = Date::from_ymd(2014, 7, 7);
  for (int i = 0; i < 400; ++i) {
    // Items every ~3.7 hours, weekends included, alternating tickers, repeating texts.
    news.push_back({.published_at = utc(first, 0) + i * 13'337, .ticker = i % 3 == 0 ? "B" : "A",
                    .score = static_cast<float>(std::sin(i * 0.7)), .text_key = static_cast<std::uint64_t>(i % 17)});
  }
  const SentimentFeatureOptions options{.half_life = 3, .novelty_window = 5, .volume_window = 10,
                                        .coverage_from = news.front().published_at, .coverage_to = news.back().published_at};
  FeatureMatrix full = empty_matrix(full_panel);
  append_sentiment_features(full, full_panel, news, options);
  for (std::size_t cut : {5u, 17u, 30u}) {
    std::vector<store::TickerSeries> series(2);
    for (std::size_t k = 0; k < 2; ++k) {
      series[k].symbol = full_panel.tickers()[k];
      for (std::size_t t = 0; t < cut; ++t) {
        if (!full_panel.has_bar(k, t)) continue;
        series[k].bars.push_back({.date = full_panel.dates()[t], .open = 10, .high = 11, .low = 9, .close = 10,
                                  .adj_close = 10, .volume = 1000});
      }
    }
    const auto part_panel = store::Panel::build(series);
    FeatureMatrix part = empty_matrix(part_panel);
    append_sentiment_features(part, part_panel, news, options);
    for (std::size_t f = 0; f < kSentimentFeatureCount; ++f) {
      for (std::size_t k = 0; k < 2; ++k) {
        for (std::size_t t = 0; t < cut; ++t) {
          EXPECT_TRUE(same(full.at(f, k, t), part.at(f, k, t)))
              << full.names[f] << " " << full.tickers[k] << " t=" << t << " cut=" << cut;
        }
      }
    }
  }
}

TEST(NewsSentimentFeatures, AreDocumented) {
  std::ifstream in(std::filesystem::path(KESTREL_SOURCE_DIR) / "docs/features.md");
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto name : sentiment_feature_names()) {
    std::string quoted(1, '`');
    quoted.append(name).push_back('`');
    EXPECT_NE(docs.find(quoted), std::string::npos) << name << " is not in docs/features.md";
  }
}

}  // namespace
}  // namespace kestrel::features
