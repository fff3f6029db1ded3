#include "evaluation/feature_importance.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/rng.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"
#include "evaluation/metrics.hpp"
#include "ml/prediction_memo.hpp"

namespace kestrel::evaluation {
namespace {

// The model's quality on `window`: AUC for class labels, Spearman with the label otherwise.
core::Result<std::pair<double, std::size_t>> quality(const ml::Model& model, const features::FeatureMatrix& matrix,
                                                      const dataset::Labels& labels, dataset::DateRange window,
                                                      const RunOptions& options) {
  const dataset::ViewOptions view_options{.nan_policy = options.nan_policy, .columns = {}};
  std::optional<dataset::TabularView> tabular;
  std::optional<dataset::SequenceView> sequence;
  if (model.uses_sequences()) {
    auto s = dataset::SequenceView::make(matrix, labels, window, options.lookback, view_options);
    if (!s) return std::unexpected(s.error());
    sequence.emplace(std::move(*s));
  } else {
    auto t = dataset::TabularView::make(matrix, labels, window, view_options);
    if (!t) return std::unexpected(t.error());
    tabular.emplace(std::move(*t));
  }
  const auto& keys = tabular ? tabular->samples() : sequence->samples();
  // Through the memo: an ensemble's member scores the same shuffled window as the member did alone.
  auto scores = ml::predict_all_memoised(model, {tabular ? &*tabular : nullptr, sequence ? &*sequence : nullptr});
  if (!scores) return std::unexpected(scores.error());
  if (scores->size() != keys.size()) return core::fail("{}: {} scores for {} samples", model.name(), scores->size(), keys.size());
  if (labels.is_classification()) {
    std::vector<float> y(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) y[i] = labels.at(keys[i].ticker, keys[i].t);
    return std::pair{roc_auc(y, *scores), keys.size()};
  }
  std::vector<double> y(keys.size()), s(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    y[i] = labels.at(keys[i].ticker, keys[i].t);
    s[i] = (*scores)[i];
  }
  return std::pair{spearman(s, y), keys.size()};
}

}  // namespace

core::Result<ImportanceResult> permutation_importance(const ml::Model& model, features::FeatureMatrix& matrix,
                                                      const dataset::Labels& labels, dataset::DateRange window,
                                                      const RunOptions& options, std::uint64_t seed) {
  ImportanceResult result;
  result.metric = labels.is_classification() ? "AUC" : "rank correlation";
  auto base = quality(model, matrix, labels, window, options);
  if (!base) return std::unexpected(base.error());
  result.baseline = base->first;
  result.samples = base->second;
  if (result.samples == 0) return core::fail("{}: no samples in the importance window", model.name());
  // The cells a sample can read: the window, and for sequences the lookback before it.
  const std::size_t first = model.uses_sequences() && window.begin + 1 >= options.lookback
                                ? window.begin + 1 - options.lookback
                                : (model.uses_sequences() ? 0 : window.begin);
  std::vector<float*> cells;
  std::vector<float> saved;
  for (std::size_t f = 0; f < matrix.num_features(); ++f) {
    // Only present values move, among present cells: the set of samples (NaN policy) stays the same.
    cells.clear();
    for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
      auto row = matrix.series(f, i);
      for (std::size_t t = first; t < window.end && t < row.size(); ++t) {
        if (!std::isnan(row[t])) cells.push_back(&row[t]);
      }
    }
    saved.resize(cells.size());
    for (std::size_t k = 0; k < cells.size(); ++k) saved[k] = *cells[k];
    auto rng = core::Rng::for_stream(seed, f);
    std::vector<float> shuffled = saved;
    for (std::size_t k = shuffled.size(); k > 1; --k) std::swap(shuffled[k - 1], shuffled[rng.below(k)]);
    for (std::size_t k = 0; k < cells.size(); ++k) *cells[k] = shuffled[k];
    auto permuted = quality(model, matrix, labels, window, options);
    for (std::size_t k = 0; k < cells.size(); ++k) *cells[k] = saved[k];  // restored, whatever happened
    if (!permuted) return std::unexpected(permuted.error());
    result.features.push_back({matrix.names[f], result.baseline - permuted->first});
  }
  std::stable_sort(result.features.begin(), result.features.end(),
                   [](const FeatureImportance& a, const FeatureImportance& b) { return a.drop > b.drop; });
  return result;
}

core::Result<std::vector<FeatureImportance>> mean_absolute_contributions(const ml::Model& model,
                                                                         const features::FeatureMatrix& matrix,
                                                                         const dataset::Labels& labels,
                                                                         dataset::DateRange window,
                                                                         const RunOptions& options) {
  if (!model.has_contributions()) return core::fail("{}: no attribution of its own", model.name());
  const dataset::ViewOptions view_options{.nan_policy = options.nan_policy, .columns = {}};
  auto view = dataset::TabularView::make(matrix, labels, window, view_options);
  if (!view) return std::unexpected(view.error());
  if (view->size() == 0) return core::fail("{}: no samples in the attribution window", model.name());
  auto values = model.contributions({&*view, nullptr});
  if (!values) return std::unexpected(values.error());
  const std::size_t per_row = matrix.num_features() + 1;  // the bias last
  if (values->size() != view->size() * per_row) {
    return core::fail("{}: {} contributions for {} samples of {} features", model.name(), values->size(), view->size(),
                      matrix.num_features());
  }
  std::vector<double> sums(matrix.num_features(), 0);
  for (std::size_t i = 0; i < view->size(); ++i) {
    for (std::size_t f = 0; f < sums.size(); ++f) sums[f] += std::abs((*values)[i * per_row + f]);
  }
  std::vector<FeatureImportance> out;
  for (std::size_t f = 0; f < sums.size(); ++f) out.push_back({matrix.names[f], sums[f] / static_cast<double>(view->size())});
  std::stable_sort(out.begin(), out.end(), [](const FeatureImportance& a, const FeatureImportance& b) { return a.drop > b.drop; });
  return out;
}

}  // namespace kestrel::evaluation
