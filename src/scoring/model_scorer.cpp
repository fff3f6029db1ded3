#include "scoring/model_scorer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "dataset/sequence_view.hpp"
#include "dataset/splits.hpp"
#include "dataset/tabular_view.hpp"
#include "features/feature_pipeline.hpp"

namespace kestrel::scoring {

core::Status ModelScorer::prepare(const store::Panel& panel) {
  if (panel_ == &panel && panel_dates_ == panel.num_dates() && panel_version_ == panel.store_data_version() &&
      !matrix_.values.empty()) {
    return {};
  }
  const ModelManifest& m = saved_.manifest;
  matrix_ = features::compute_features(
      panel, {.benchmark = m.benchmark, .benchmark_sector = m.benchmark_sector, .max_gap = 5, .show_progress = false});
  columns_.clear();
  for (const auto& name : m.features) {
    auto f = matrix_.feature_index(name);
    if (!f && name.starts_with("news_")) {
      // Trading computes the price features only; news would need a live news feed.
      return core::fail_as(core::ErrorKind::Config,
                           "model {}: trained with the news-sentiment feature '{}', which trading does not compute "
                           "(it has no news feed); trade a model trained without [features.sentiment]", m.model, name);
    }
    if (!f) return core::fail_as(core::ErrorKind::Config, "model {}: feature '{}' is not computed by this kestrel", m.model, name);
    columns_.push_back(*f);
  }
  placeholders_ = dataset::Labels{.name = "scoring", .kind = dataset::LabelKind::Direction, .horizon = 1,
                                  .dates = matrix_.dates, .tickers = matrix_.tickers,
                                  .values = std::vector<float>(matrix_.num_tickers() * matrix_.num_dates(),
                                                               std::numeric_limits<float>::quiet_NaN())};
  marked_.clear();
  panel_ = &panel;
  panel_dates_ = panel.num_dates();
  panel_version_ = panel.store_data_version();
  return {};
}

core::Result<std::vector<strategy::Prediction>> ModelScorer::score(const store::Panel& panel, std::size_t t,
                                                                   std::span<const std::uint32_t> universe) {
  if (t >= panel.num_dates()) return core::fail("scoring: day {} is beyond the market data", t);
  if (auto s = prepare(panel); !s) return std::unexpected(s.error());
  for (std::size_t cell : marked_) placeholders_.values[cell] = std::numeric_limits<float>::quiet_NaN();
  marked_.clear();
  for (std::uint32_t i : universe) {
    if (i >= panel.num_tickers() || !panel.has_bar(i, t)) continue;
    const std::size_t cell = i * placeholders_.num_dates() + t;
    placeholders_.values[cell] = 0.0f;
    marked_.push_back(cell);
  }
  std::vector<strategy::Prediction> out;
  if (marked_.empty()) return out;
  const ModelManifest& m = saved_.manifest;
  const dataset::ViewOptions options{.nan_policy = m.nan_policy, .columns = columns_};
  const dataset::DateRange day{t, t + 1};
  std::vector<dataset::SampleKey> keys;
  core::Result<std::vector<float>> scores = std::vector<float>{};
  if (saved_.model->uses_sequences()) {
    auto view = dataset::SequenceView::make(matrix_, placeholders_, day, m.lookback, options);
    if (!view) return std::unexpected(view.error());
    if (view->size() == 0) return out;
    keys = view->samples();
    scores = saved_.model->predict({.tabular = nullptr, .sequence = &*view});
  } else {
    auto view = dataset::TabularView::make(matrix_, placeholders_, day, options);
    if (!view) return std::unexpected(view.error());
    if (view->size() == 0) return out;
    keys = view->samples();
    scores = saved_.model->predict({.tabular = &*view, .sequence = nullptr});
  }
  if (!scores) return core::fail("model {}: scoring {}: {}", m.model, panel.dates()[t].to_string(), scores.error().message);
  if (scores->size() != keys.size()) return core::fail("model {}: {} scores for {} samples", m.model, scores->size(), keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    out.push_back({.date = panel.dates()[t], .instrument = keys[k].ticker, .score = (*scores)[k]});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.instrument < b.instrument; });
  return out;
}

}  // namespace kestrel::scoring
