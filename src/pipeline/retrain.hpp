#pragma once
// Monthly retraining as the plan asks (`kestrel retrain`): a challenger is trained on the
// latest data and replaces the champion only when it is better by more than noise.
//
//   1. The champion: the model of that name the registry marks "champion", else the newest one
//      the pipeline registered ("trained") whose folder still holds it.
//   2. The data folder is imported again (new bars), features and labels recomputed.
//   3. The shadow period: the last `shadow_days` sessions with a known label. Neither model
//      trained on it: the champion's training window must end before it, the challenger trains
//      up to it (validation the `valid_days` before it, purged and embargoed as in the pipeline).
//   4. Both score every shadow session; on each session both scored (every `horizon`-th one,
//      so that forward returns do not overlap) the rank IC of each against the realised
//      forward returns is computed, and d = IC(challenger) − IC(champion).
//   5. The challenger is saved to a folder of its own (OUT/models/<model>-challenger-<shadow
//      end>[-n]) and registered. Promote when mean(d) / standard error(d) > margin_z
//      (one-sided; 1.645 ≈ 5%): the
//      challenger becomes "champion", the old champion "retired"; otherwise the challenger is
//      registered as "challenger" and the champion stays. The decision and its numbers are
//      written to OUT/retrain/<model>-<shadow end>[-n].json (a new file each time).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/date.hpp"
#include "core/error.hpp"
#include "pipeline/pipeline_config.hpp"

namespace kestrel::pipeline {

struct RetrainOptions {
  std::string model;              // a model name of the pipeline config
  std::size_t shadow_days = 63;   // about a quarter
  std::size_t valid_days = 126;   // the challenger's validation window, before the shadow
  double margin_z = 1.645;
  // The data as it was at this session's close: later bars are cut before anything is
  // computed (a node replaying the past retrains on what it knew then). Default: all of it.
  std::optional<core::Date> as_of;
  bool show_progress = false;
  std::function<void(const std::string&)> log;
};

struct ShadowScore {
  std::int64_t registry_id = 0;
  std::string folder;
  std::size_t samples = 0;  // (ticker, session) pairs scored in the shadow period
  double mean_rank_ic = 0;  // over the compared sessions
};

struct RetrainResult {
  std::string model;
  core::Date shadow_begin{}, shadow_end{};
  ShadowScore champion, challenger;
  std::size_t sessions_compared = 0;
  double mean_difference = 0, standard_error = 0, z = 0;
  bool promoted = false;
  std::string verdict;  // one sentence: what was decided and why
  std::filesystem::path decision_file;
};

core::Result<RetrainResult> retrain(const PipelineConfig& config, const std::filesystem::path& out,
                                    const RetrainOptions& options);

}  // namespace kestrel::pipeline
