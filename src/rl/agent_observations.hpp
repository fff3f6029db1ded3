#pragma once
// What the agents observe, as `kestrel rl evaluate` and the pipeline's RL stage build it:
// price_observations, then the market regime of the benchmark, then one pair of columns per
// model-score file (score_observations.hpp) — with no files the scores' fields are empty —
// and, unless left out, the universe's feature rows (feature_rows.hpp), which walk_forward
// scales per fold.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "features/feature_matrix.hpp"
#include "rl/feature_rows.hpp"
#include "rl/score_observations.hpp"
#include "rl/walk_forward.hpp"
#include "store/panel.hpp"

namespace kestrel::rl {

core::Result<ScoredObservations> agent_observations(const store::Panel& panel, const std::vector<std::size_t>& universe,
                                                    std::size_t benchmark,
                                                    const std::vector<std::filesystem::path>& score_files);

// The universe's rows of every feature (features::compute_features with `benchmark` as the
// market), for a caller that has no FeatureMatrix of the panel at hand.
FeatureRows agent_feature_rows(const store::Panel& panel, const std::vector<std::size_t>& universe,
                               const std::string& benchmark);

// With scores: every period of the walk-forward inside the scored dates, and the top-k rules
// ranked by the first file's score. Without: leaves `config` as it is.
void restrict_to_scores(const ScoredObservations& observed, WalkForwardConfig& config);

}  // namespace kestrel::rl
