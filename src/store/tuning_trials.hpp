#pragma once
// One evaluation of a `kestrel tune` trial (pipeline/tune.hpp) as the market store keeps it:
// which study (its name and tuning-config hash), trial and rung, on how many folds, with which
// parameters, and what it scored. Stored in the store whose data the trials were evaluated on.
#include <cstdint>
#include <string>

namespace kestrel::store {

struct TuningTrial {
  std::string study;
  std::string config_hash;
  std::int64_t trial = 0;
  std::int64_t rung = 0;
  std::int64_t folds = 0;
  std::string params;  // JSON object: dotted pipeline-config key -> value
  double sharpe = 0;   // annualised, net of costs; NaN (NULL in the table) when it failed or never traded
  double rank_ic = 0;
  double turnover = 0;
  double seconds = 0;
  std::string status;  // pruned, completed, best
  std::string error;   // empty unless the evaluation failed
  std::string created_at;
};

}  // namespace kestrel::store
