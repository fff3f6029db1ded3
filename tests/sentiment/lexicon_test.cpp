// A user's word,category lexicon as classifier features: parsing with file:line errors, the
// known answer that lexicon words never seen in training still carry their category, negation,
// and a saved classifier that refuses a lexicon changed after training.
#include "sentiment/lexicon.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "sentiment/classification_figures.hpp"
#include "sentiment/sentiment_classifier.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::sentiment {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

TEST(SentimentLexicon, ParsesWordsAsTheTokeniserSeesThemAndNamesTheLineOfABadRow) {
  const auto lexicon = Lexicon::parse("word,category\nGAIN,Positive\nloss,negative\nloss,Litigious\n#Soar,positive\n", "lex.csv");
  ASSERT_TRUE(lexicon) << lexicon.error().message;
  EXPECT_EQ(lexicon->words(), 3u);
  EXPECT_EQ(lexicon->categories(), (std::vector<std::string>{"positive", "negative", "litigious"}));
  EXPECT_EQ(lexicon->categories_of("gain"), (std::vector<std::uint32_t>{0}));
  EXPECT_EQ(lexicon->categories_of("loss"), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(lexicon->categories_of("soar"), (std::vector<std::uint32_t>{0}));  // a hashtag is its word
  EXPECT_TRUE(lexicon->categories_of("GAIN").empty());                        // tokens are lower-case

  const auto phrase = Lexicon::parse("gain,positive\nshort squeeze,positive\n", "lex.csv");
  ASSERT_FALSE(phrase);
  EXPECT_THAT(phrase.error().message, HasSubstr("lex.csv:2: field word: 'short squeeze' is not one plain word"));
  const auto no_category = Lexicon::parse("gain,positive\nloss,\n", "lex.csv");
  ASSERT_FALSE(no_category);
  EXPECT_THAT(no_category.error().message, HasSubstr("lex.csv:2: field category: empty"));
  const auto three = Lexicon::parse("gain,positive,1\n", "lex.csv");
  ASSERT_FALSE(three);
  EXPECT_THAT(three.error().message, HasSubstr("lex.csv:1: 3 fields, expected 2 (word,category)"));
}

// Texts whose label is set by one word: up1..up40 bullish, down1..down40 bearish, else neutral.
// Training uses words 1..20 only; the test texts use 21..40, which training never saw.
std::vector<LabelledText> by_word(std::size_t n, int first_word, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<LabelledText> out;
  for (std::size_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(rng() % 3);
    const int word = first_word + static_cast<int>(rng() % 20);
    std::string text = "stock talk filler" + std::to_string(rng() % 50);
    if (label == kBullish) text += " up" + std::to_string(word);
    if (label == kBearish) text += " down" + std::to_string(word);
    text += " more filler" + std::to_string(rng() % 50);
    out.push_back({.text = text, .label = label});
  }
  return out;
}

std::string synthetic_lexicon() {
  std::string csv = "word,category\n";
  for (int w = 1; w <= 40; ++w) csv += "up" + std::to_string(w) + ",positive\ndown" + std::to_string(w) + ",negative\n";
  return csv;
}

double accuracy(const SentimentClassifier& model, const std::vector<LabelledText>& rows) {
  std::vector<int> truth, predicted;
  for (const auto& row : rows) {
    truth.push_back(row.label);
    predicted.push_back(model.predict(row.text));
  }
  return classification_figures(truth, predicted).accuracy;
}

TEST(SentimentLexicon, LexiconWordsNeverSeenInTrainingStillCarryTheirCategory) {
  TempDir dir;
  testing::write_file(dir / "lex.csv", synthetic_lexicon());
  auto lexicon = Lexicon::read(dir / "lex.csv");
  ASSERT_TRUE(lexicon) << lexicon.error().message;
  const auto train = by_word(3000, 1, 7);
  const auto unseen = by_word(900, 21, 8);
  auto plain = SentimentClassifier::train(train, {.bits = 14});
  auto with = SentimentClassifier::train(train, {.bits = 14}, std::make_shared<const Lexicon>(*lexicon));
  ASSERT_TRUE(plain && with);
  // Without the lexicon the unseen words mean nothing: about the neutral third, or a guess.
  EXPECT_LT(accuracy(*plain, unseen), 0.5);
  // With it, their categories decide (measured ~1.0); a broken category feature would not.
  EXPECT_GT(accuracy(*with, unseen), 0.95);
  // Negation flips the category's weight: "not up30" is not bullish.
  EXPECT_GT(with->score("stock talk up30"), 0.5f);
  EXPECT_LT(with->score("stock talk not up30"), with->score("stock talk up30") - 0.5f);
}

TEST(SentimentLexicon, SavedClassifierReadsItsLexiconAndRefusesAChangedOne) {
  TempDir dir;
  testing::write_file(dir / "lex.csv", synthetic_lexicon());
  auto lexicon = std::make_shared<const Lexicon>(*Lexicon::read(dir / "lex.csv"));
  auto model = SentimentClassifier::train(by_word(600, 1, 9), {.bits = 12}, lexicon);
  ASSERT_TRUE(model);
  ASSERT_TRUE(model->save(dir / "m"));
  EXPECT_THAT(testing::read_file(dir / "m" / "sentiment.json"), HasSubstr("\"lexicon\""));
  EXPECT_FALSE(std::filesystem::exists(dir / "m" / "lex.csv"));  // not copied
  auto loaded = SentimentClassifier::load(dir / "m");
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_NE(loaded->lexicon(), nullptr);
  EXPECT_EQ(loaded->score("talk up33 filler"), model->score("talk up33 filler"));

  testing::write_file(dir / "lex.csv", synthetic_lexicon() + "moon,positive\n");
  auto changed = SentimentClassifier::load(dir / "m");
  ASSERT_FALSE(changed);
  EXPECT_THAT(changed.error().message, HasSubstr("changed since the classifier was trained with it"));
  std::filesystem::remove(dir / "lex.csv");
  auto missing = SentimentClassifier::load(dir / "m");
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.error().message, HasSubstr("trained with the lexicon"));
}

}  // namespace
}  // namespace kestrel::sentiment
