#pragma once
// The news-sentiment classifier: multinomial logistic regression over hashed words and word
// pairs (hashed_text_features.hpp), three classes (bearish, bullish, neutral). Its score for a
// text is P(bullish) - P(bearish), in [-1, 1], which is what the sentiment features average.
//
// Training (AdaGrad on the cross-entropy with an L2 penalty, seeded) picks its number of
// epochs on a held-out tenth of the training rows, then refits on all of them for that many
// epochs; the validation set a user checks it on is never seen (sentiment/classification_figures.hpp).
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "sentiment/labelled_texts.hpp"
#include "sentiment/lexicon.hpp"

namespace kestrel::sentiment {

struct ClassifierOptions {
  unsigned bits = 18;  // 2^18 hashed slots
  double learning_rate = 0.2;
  double l2 = 1e-6;
  std::size_t max_epochs = 30;
  std::size_t patience = 3;  // epochs without a better held-out loss before stopping
  double holdout = 0.1;      // share of the training rows that picks the epoch count
  std::uint64_t seed = 42;
};

struct ClassifierTraining {
  std::size_t rows = 0;
  std::size_t epochs = 0;          // chosen on the holdout
  double holdout_loss = 0;         // mean cross-entropy at that epoch
  double holdout_accuracy = 0;
};

class SentimentClassifier {
 public:
  using Probabilities = std::array<float, kSentimentClasses>;

  // With a lexicon, its categories are features too (sentiment/lexicon.hpp).
  static core::Result<SentimentClassifier> train(std::span<const LabelledText> rows, const ClassifierOptions& options = {},
                                                 std::shared_ptr<const Lexicon> lexicon = nullptr);

  Probabilities probabilities(std::string_view text) const;
  int predict(std::string_view text) const;
  // P(bullish) - P(bearish).
  float score(std::string_view text) const;
  // Scores of many texts, in parallel (TBB); same values as score().
  std::vector<float> score_all(std::span<const std::string_view> texts) const;

  // A folder with sentiment.json (options, training figures, checksum) and weights.f32. A
  // lexicon is not copied (it is the user's, under its own licence): sentiment.json names its
  // path and checksum, and load() reads it from there, refusing a changed file.
  core::Status save(const std::filesystem::path& dir) const;
  static core::Result<SentimentClassifier> load(const std::filesystem::path& dir);

  const ClassifierOptions& options() const { return options_; }
  const ClassifierTraining& training() const { return training_; }
  const Lexicon* lexicon() const { return lexicon_.get(); }

 private:
  SentimentClassifier(const ClassifierOptions& options);
  ClassifierOptions options_;
  ClassifierTraining training_;
  std::shared_ptr<const Lexicon> lexicon_;
  // Slot j's class weights at [j * 3, j * 3 + 3); the biases after the last slot.
  std::vector<float> weights_;
};

}  // namespace kestrel::sentiment
