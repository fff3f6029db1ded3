#include "sentiment/classification_figures.hpp"

#include <cassert>

namespace kestrel::sentiment {

ClassificationFigures classification_figures(std::span<const int> truth, std::span<const int> predicted) {
  assert(truth.size() == predicted.size());
  ClassificationFigures f;
  f.rows = truth.size();
  std::size_t right = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    ++f.confusion[static_cast<std::size_t>(truth[i])][static_cast<std::size_t>(predicted[i])];
    right += truth[i] == predicted[i];
  }
  f.accuracy = f.rows > 0 ? static_cast<double>(right) / static_cast<double>(f.rows) : 0.0;
  for (std::size_t k = 0; k < kSentimentClasses; ++k) {
    std::size_t predicted_k = 0, actual_k = 0;
    for (std::size_t j = 0; j < kSentimentClasses; ++j) {
      predicted_k += f.confusion[j][k];
      actual_k += f.confusion[k][j];
    }
    const double tp = static_cast<double>(f.confusion[k][k]);
    // F1 = 2 TP / (predicted + actual); 0 for a class never predicted nor present.
    f.f1[k] = predicted_k + actual_k > 0 ? 2 * tp / static_cast<double>(predicted_k + actual_k) : 0.0;
    f.macro_f1 += f.f1[k] / kSentimentClasses;
  }
  return f;
}

}  // namespace kestrel::sentiment
