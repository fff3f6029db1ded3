#include "rl/agent_observations.hpp"

#include "features/feature_pipeline.hpp"
#include "rl/market_regime.hpp"
#include "rl/price_observations.hpp"

namespace kestrel::rl {

core::Result<ScoredObservations> agent_observations(const store::Panel& panel, const std::vector<std::size_t>& universe,
                                                    std::size_t benchmark,
                                                    const std::vector<std::filesystem::path>& score_files) {
  ObservationFeatures base =
      append_market_regime(panel, benchmark, universe.size(), price_observations(panel, universe));
  if (score_files.empty()) return ScoredObservations{.features = std::move(base)};
  return append_scores(panel, universe, std::move(base), score_files);
}

FeatureRows agent_feature_rows(const store::Panel& panel, const std::vector<std::size_t>& universe,
                               const std::string& benchmark) {
  const features::FeatureMatrix matrix = features::compute_features(panel, {.benchmark = benchmark});
  return feature_rows(matrix, universe);
}

void restrict_to_scores(const ScoredObservations& observed, WalkForwardConfig& config) {
  if (observed.score_columns.empty()) return;
  config.first_day = observed.first_scored_day;
  config.last_day = observed.last_scored_day;
  config.score_column = observed.score_columns.front();
}

}  // namespace kestrel::rl
