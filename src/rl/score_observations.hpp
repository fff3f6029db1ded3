#pragma once
// Model scores as part of the agents' observation: each predictions file the pipeline writes
// (predictions/<model>.csv: date,ticker,score — the probability that the ticker goes up, made
// at that date's close by a model trained before it, out of sample) adds two columns per
// (day, ticker): (score − 0.5) × 10, and 1 where a score exists (0 and 0 where none).
#include <cstddef>
#include <filesystem>
#include <vector>

#include "core/error.hpp"
#include "rl/trading_env.hpp"
#include "store/panel.hpp"

namespace kestrel::rl {

struct ScoredObservations {
  ObservationFeatures features;
  std::size_t first_scored_day = 0;  // the first panel date every file scores some ticker on
  std::size_t last_scored_day = 0;   // the last date every file still scores
  std::vector<std::size_t> score_columns = {};  // the (score − 0.5) × 10 column of each file
};

// Appends the files' columns to `base` (same panel and universe). Errors name the file, line
// and field; a ticker outside the universe or a date outside the panel is skipped (the
// predictions may cover benchmark tickers), a duplicate (date, ticker) is an error.
core::Result<ScoredObservations> append_scores(const store::Panel& panel, const std::vector<std::size_t>& universe,
                                               ObservationFeatures base,
                                               const std::vector<std::filesystem::path>& files);

}  // namespace kestrel::rl
