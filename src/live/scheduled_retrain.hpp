#pragma once
// The node's monthly retraining (`[node.retrain]`, backtest/config.hpp): after the last session
// of a month the node runs `kestrel retrain`'s procedure (pipeline/retrain.hpp) on the data up to
// that close, and journals what it decided as a decision "model:retrain" whose detail is the
// JSON below. A promoted challenger is traded from the next session; a re-run of the journal
// applies the journaled decision instead of retraining. A failed retraining is a decision too
// (the node keeps its model and says why): it never stops trading.
#include <functional>
#include <string>

#include "backtest/config.hpp"
#include "core/date.hpp"
#include "core/error.hpp"

namespace kestrel::live {

inline constexpr const char* kRetrainDecision = "model:retrain";

struct RetrainDecision {
  core::Date as_of{};
  bool promoted = false;
  std::string model_folder;  // promoted: the challenger the node trades from the next session
  std::string verdict;       // what was decided and why, or why the retraining failed
  bool failed = false;

  std::string to_json() const;
  static core::Result<RetrainDecision> parse(const std::string& detail);
};

// True when the session `date` is the last of its month (the next session is in another).
bool ends_month(core::Date date, core::Date next_session);

// Retrains as of `as_of`'s close. Never fails: a failure comes back as a failed decision.
RetrainDecision run_scheduled_retrain(const backtest::RetrainSettings& settings, core::Date as_of,
                                      const std::function<void(const std::string&)>& log);

}  // namespace kestrel::live
