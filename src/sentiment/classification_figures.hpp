#pragma once
// How well a classifier's labels agree with the truth: accuracy, each class's F1 and their
// unweighted mean (macro-F1, which a majority-class guess cannot game), and the confusion
// matrix. The same figures for "always the training set's most common class" are the bar
// a sentiment classifier must clear.
#include <array>
#include <cstddef>
#include <span>

#include "sentiment/labelled_texts.hpp"

namespace kestrel::sentiment {

struct ClassificationFigures {
  std::size_t rows = 0;
  double accuracy = 0;
  double macro_f1 = 0;
  std::array<double, kSentimentClasses> f1{};
  // confusion[truth][predicted]
  std::array<std::array<std::size_t, kSentimentClasses>, kSentimentClasses> confusion{};
};

ClassificationFigures classification_figures(std::span<const int> truth, std::span<const int> predicted);

}  // namespace kestrel::sentiment
