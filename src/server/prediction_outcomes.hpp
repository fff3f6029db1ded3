#pragma once
// How a trading node's predictions turned out: for each model, each journaled score of day t
// is compared with the ticker's adjusted close-to-close return from t to the next session in
// the market data. The scores of different models mean different things (a probability of an
// up move, an expected excess return), so both measures are cross-sectional and need no
// threshold: a prediction is a hit when the ticker is on the same side of the day's median
// return as its score is of the day's median score (ties count as neither), and the day's
// rank IC is the Spearman correlation of scores with returns. Days whose next session is not
// in the data yet are pending, not misses.
#include <cstddef>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "store/journal.hpp"
#include "store/panel.hpp"

namespace kestrel::server {

struct ModelOutcomes {
  std::string model;
  std::size_t predictions = 0;  // journaled scores
  std::size_t scored = 0;       // with a known outcome and not tied with a median
  std::size_t hits = 0;
  double hit_rate = 0;          // hits / scored (NaN when nothing is scored)
  double mean_rank_ic = 0;      // over days with at least 3 scored tickers (NaN when none)
  std::vector<core::Date> dates;       // days with an outcome
  std::vector<double> daily_hit_rate;  // per day
  std::vector<double> rolling_hit_rate;  // over the last `window` days
  std::size_t pending_days = 0;
};

// `predictions` as Journal::predictions(run_id) returns them (by date, then ticker).
std::vector<ModelOutcomes> prediction_outcomes(const std::vector<store::JournalPrediction>& predictions,
                                               const store::Panel& panel, std::size_t window = 20);

}  // namespace kestrel::server
