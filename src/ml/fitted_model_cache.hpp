#pragma once
// Fits made once and reused within a run. An ensemble's members are the same fits as the
// standalone models of the same name when they are trained on the same samples with the same
// settings: the pipeline fits lstm, then ensemble_average and stacking fit lstm again on the
// same training window. With a cache in FitOptions::fitted_models, fit_or_reuse returns the
// earlier fit instead (on us-daily this was 44% of the pipeline's time).
//
// Two fits are the same when these agree: the model's name and fit settings
// (SampleModel::fit_settings: its config, ensemble keys left out for single models), the
// seed, the feature matrix (by address: a cache serves one matrix and must not outlive it),
// the views' NaN policy and columns, the window length for sequence models, and the
// (ticker, date, label) of every training and validation row, in order. A tabular model
// reads the row at t from whichever view carries it (ml/sample_model.hpp: current_rows), so
// its key does not depend on the view kind. Thread count and progress output do not change
// a fit and are not part of the key.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ml/sample_model.hpp"

namespace kestrel::ml {

struct FittedModel {
  std::shared_ptr<SampleModel> model;
  FitReport report;
  bool reused = false;  // true: the cache's earlier fit; `report` is that fit's report
};

class FittedModelCache {
 public:
  std::optional<FittedModel> find(const std::string& key) const;
  void add(const std::string& key, const FittedModel& fitted);
  std::size_t hits() const;
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, FittedModel> fits_;
  mutable std::size_t hits_ = 0;
};

// The key described above; fails when the sets lack the view the model reads.
core::Result<std::string> fit_key(const SampleModel& model, const SampleSet& train, Rows train_rows,
                                  const SampleSet& validation, Rows validation_rows, std::uint64_t seed);

// Fits `model` on the rows, or returns the same fit from options.fitted_models when it holds
// one (then `model` is left unfitted and the cached model is returned). Without a cache it
// is model->fit_rows. Every new fit is added to the cache.
core::Result<FittedModel> fit_or_reuse(std::shared_ptr<SampleModel> model, const SampleSet& train, Rows train_rows,
                                       const SampleSet& validation, Rows validation_rows, const FitOptions& options);

}  // namespace kestrel::ml
