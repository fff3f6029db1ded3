#include "evaluation/attention_maps.hpp"

#include "dataset/sequence_view.hpp"

namespace kestrel::evaluation {

core::Result<ml::AttentionMaps> mean_attention(const ml::Model& model, const features::FeatureMatrix& matrix,
                                               const dataset::Labels& labels, dataset::DateRange window,
                                               const RunOptions& options, std::size_t max_samples) {
  if (!model.has_attention()) return core::fail("{}: has no attention", model.name());
  auto view = dataset::SequenceView::make(matrix, labels, window, options.lookback,
                                          {.nan_policy = options.nan_policy, .columns = {}});
  if (!view) return std::unexpected(view.error());
  if (view->size() == 0) return core::fail("{}: no samples in the attention window", model.name());
  return model.attention({nullptr, &*view}, max_samples);
}

double mean_lag(const ml::AttentionMaps& maps, std::size_t layer, std::size_t head) {
  double lag = 0;
  for (std::size_t p = 0; p < maps.window; ++p) lag += maps.at(layer, head, p) * static_cast<double>(maps.window - 1 - p);
  return lag;
}

}  // namespace kestrel::evaluation
