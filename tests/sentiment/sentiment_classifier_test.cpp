#include "sentiment/sentiment_classifier.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "sentiment/classification_figures.hpp"
#include "sentiment/labelled_texts.hpp"
#include "sentiment/text_key.hpp"
#include "sentiment/text_tokens.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::sentiment {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::TempDir;

const std::string kNewsSample = std::string(KESTREL_SOURCE_DIR) + "/data/news-sample/";

TEST(SentimentTokens, FoldLinksCashtagsUsersNumbersAndNegations) {
  EXPECT_THAT(tokenize("RT @trader: $AAPL is NOT going up, sell! http://t.co/x +5% 3rd #Bullish"),
              ElementsAre("rt", "<user>", "<cashtag>", "is", "not", "not_going", "not_up", "sell", "!", "<url>",
                          "<up_num>", "<num>", "bullish"));
  EXPECT_THAT(tokenize("Don't buy -3.5% today. Great"),
              ElementsAre("don't", "not_buy", "<down_num>", "not_today", "great"));
  EXPECT_THAT(tokenize("EPS $1.25 vs 1,200 est 12%"), ElementsAre("eps", "<num>", "vs", "<num>", "est", "<pct>"));
}

TEST(SentimentTokens, RetweetsAndCaseShareTheirTextKey) {
  EXPECT_EQ(text_key("RT @someone: $AAPL beats http://t.co/a"), text_key("$aapl BEATS https://t.co/b"));
  EXPECT_NE(text_key("$AAPL beats"), text_key("$AAPL misses"));
}

TEST(SentimentFigures, MacroF1OfAKnownConfusion) {
  const std::vector<int> truth = {0, 0, 1, 1, 2, 2, 2, 2};
  const std::vector<int> predicted = {0, 1, 1, 1, 2, 2, 0, 2};
  const auto f = classification_figures(truth, predicted);
  EXPECT_DOUBLE_EQ(f.accuracy, 6.0 / 8);
  EXPECT_DOUBLE_EQ(f.f1[kBearish], 0.5);
  EXPECT_DOUBLE_EQ(f.f1[kBullish], 0.8);
  EXPECT_DOUBLE_EQ(f.f1[kNeutral], 6.0 / 7);
  EXPECT_DOUBLE_EQ(f.macro_f1, (0.5 + 0.8 + 6.0 / 7) / 3);
  EXPECT_EQ(f.confusion[kNeutral][kBearish], 1u);
}

TEST(SentimentLabelledTexts, QuotedTextsMaySpanLinesAndBadLabelsAreNamed) {
  auto ok = parse_labelled_texts("text,label\n\"two\nlines\",1\nplain,0\n", "l.csv");
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].text, "two\nlines");
  EXPECT_EQ((*ok)[1].label, kBearish);
  auto bad = parse_labelled_texts("text,label\n\"two\nlines\",1\nplain,3\n", "l.csv");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("l.csv:4: field label: '3'"));
}

// Texts whose class is set by planted words among filler: a correct learner gets nearly all
// right; a broken one (e.g. a flipped gradient) does not beat the majority class.
std::vector<LabelledText> planted(std::size_t n, std::uint64_t seed) {
  const std::vector<std::string> bull = {"surge", "beat", "upgrade", "rally", "record"};
  const std::vector<std::string> bear = {"plunge", "miss", "downgrade", "slump", "lawsuit"};
  std::mt19937_64 rng(seed);
  std::vector<LabelledText> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double u = std::uniform_real_distribution<>(0, 1)(rng);
    const int label = u < 0.2 ? kBullish : u < 0.4 ? kBearish : kNeutral;
    std::string text = "$XYZ";
    const std::size_t words = 4 + rng() % 8;
    const std::size_t planted_at = rng() % words;
    for (std::size_t w = 0; w < words; ++w) {
      if (w == planted_at && label != kNeutral) text += " " + (label == kBullish ? bull : bear)[rng() % 5];
      else text += " filler" + std::to_string(rng() % 60);
    }
    out.push_back({.text = text, .label = label});
  }
  return out;
}

TEST(SentimentClassifier, LearnsAPlantedRuleFarBeyondTheMajorityClass) {
  const auto train = planted(3000, 1);
  const auto test = planted(1000, 2);
  auto model = SentimentClassifier::train(train, {.bits = 14});
  ASSERT_TRUE(model) << model.error().message;
  std::vector<int> truth, predicted;
  for (const auto& row : test) {
    truth.push_back(row.label);
    predicted.push_back(model->predict(row.text));
  }
  const auto f = classification_figures(truth, predicted);
  // Measured 0.948 and 0.940 (long texts dilute the planted word; unseen word pairs count
  // nothing); the majority class scores about 0.6, a sign-flipped learner far less.
  EXPECT_GT(f.accuracy, 0.93);
  EXPECT_GT(f.macro_f1, 0.92);
  EXPECT_GT(model->score("$XYZ surge filler1"), 0.5f);
  EXPECT_LT(model->score("$XYZ lawsuit filler1"), -0.5f);
  EXPECT_GE(model->training().epochs, 1u);
}

TEST(SentimentClassifier, SavedModelScoresBitForBitAndADamagedOneIsRefused) {
  const auto train = planted(600, 3);
  auto model = SentimentClassifier::train(train, {.bits = 12});
  ASSERT_TRUE(model);
  auto again = SentimentClassifier::train(train, {.bits = 12});
  ASSERT_TRUE(again);
  EXPECT_EQ(model->score("$XYZ rally filler3"), again->score("$XYZ rally filler3"));  // seeded
  TempDir dir;
  ASSERT_TRUE(model->save(dir / "m"));
  auto loaded = SentimentClassifier::load(dir / "m");
  ASSERT_TRUE(loaded) << loaded.error().message;
  std::vector<std::string_view> texts;
  for (const auto& row : train) texts.emplace_back(row.text);
  const auto all = loaded->score_all(texts);
  for (std::size_t i = 0; i < texts.size(); ++i) ASSERT_EQ(all[i], model->score(texts[i])) << texts[i];
  EXPECT_EQ(loaded->training().epochs, model->training().epochs);
  // One flipped byte in the weights.
  auto bytes = testing::read_file(dir / "m" / "weights.f32");
  bytes[100] ^= 0x40;
  testing::write_file(dir / "m" / "weights.f32", bytes);
  auto damaged = SentimentClassifier::load(dir / "m");
  ASSERT_FALSE(damaged);
  EXPECT_THAT(damaged.error().message, HasSubstr("is damaged"));
}

TEST(SentimentClassifier, BeatsTheMajorityClassOnTheLabelledValidationSet) {
  const auto train = read_labelled_texts(kNewsSample + "labelled-sentiment-train.csv.gz");
  ASSERT_TRUE(train) << train.error().message;
  const auto valid = read_labelled_texts(kNewsSample + "labelled-sentiment-valid.csv.gz");
  ASSERT_TRUE(valid) << valid.error().message;
  EXPECT_EQ(train->size(), 9543u);
  EXPECT_EQ(valid->size(), 2388u);
  auto model = SentimentClassifier::train(*train);
  ASSERT_TRUE(model) << model.error().message;
  std::vector<int> truth, predicted, majority;
  for (const auto& row : *valid) {
    truth.push_back(row.label);
    predicted.push_back(model->predict(row.text));
    majority.push_back(kNeutral);
  }
  const auto f = classification_figures(truth, predicted);
  const auto m = classification_figures(truth, majority);
  EXPECT_NEAR(m.accuracy, 1566.0 / 2388, 1e-12);
  // Measured (docs/sentiment.md): accuracy 0.844, macro-F1 0.773; the majority 0.656 and 0.264.
  EXPECT_GT(f.accuracy, 0.82);
  EXPECT_GT(f.macro_f1, 0.74);
}

}  // namespace
}  // namespace kestrel::sentiment
