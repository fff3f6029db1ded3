#include "evaluation/walk_forward_run.hpp"

#include <cmath>
#include <optional>

#include "core/memory_release.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"
#include "ml/fitted_model_cache.hpp"
#include "ml/prediction_memo.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::evaluation {
namespace {

// The views of one range, tabular or sequence as the model reads them.
struct Views {
  std::optional<dataset::TabularView> tabular;
  std::optional<dataset::SequenceView> sequence;
  ml::SampleSet set() const {
    return {tabular ? &*tabular : nullptr, sequence ? &*sequence : nullptr};
  }
  std::size_t size() const { return tabular ? tabular->size() : sequence->size(); }
  const std::vector<dataset::SampleKey>& samples() const {
    return tabular ? tabular->samples() : sequence->samples();
  }
};

core::Result<Views> make_views(const EvaluationData& data, dataset::DateRange range, bool sequences,
                               const RunOptions& options) {
  Views v;
  const dataset::ViewOptions view_options{.nan_policy = options.nan_policy, .columns = {}};
  if (sequences) {
    auto s = dataset::SequenceView::make(*data.matrix, *data.labels, range, options.lookback, view_options);
    if (!s) return std::unexpected(s.error());
    v.sequence = std::move(*s);
  } else {
    auto t = dataset::TabularView::make(*data.matrix, *data.labels, range, view_options);
    if (!t) return std::unexpected(t.error());
    v.tabular = std::move(*t);
  }
  return v;
}

// Fits the model, or takes the run's earlier fit of it (ml/fitted_model_cache.hpp), which then
// replaces `model`.
core::Result<ml::FitReport> fit_model(std::shared_ptr<ml::Model>& model, const ml::SampleSet& train,
                                      const ml::SampleSet& valid, const ml::FitOptions& options) {
  auto sample_model = std::dynamic_pointer_cast<ml::SampleModel>(model);
  if (!options.fitted_models || !sample_model) return model->fit(train, valid, options);
  auto n_train = ml::sample_count(train, model->uses_sequences());
  if (!n_train) return std::unexpected(n_train.error());
  std::vector<std::size_t> valid_rows;
  if (valid.tabular != nullptr || valid.sequence != nullptr) {  // as SampleModel::fit
    auto n_valid = ml::sample_count(valid, model->uses_sequences());
    if (!n_valid) return std::unexpected(n_valid.error());
    valid_rows = ml::all_rows(*n_valid);
  }
  const auto train_rows = ml::all_rows(*n_train);
  auto fitted = ml::fit_or_reuse(std::move(sample_model), train, train_rows, valid, valid_rows, options);
  if (!fitted) return std::unexpected(fitted.error());
  model = fitted->model;
  if (fitted->reused) {
    fitted->report.summary += fitted->report.summary.empty() ? "" : "; ";
    fitted->report.summary += "the run's earlier fit with the same settings and samples, reused";
  }
  return fitted->report;
}

}  // namespace

core::Result<ModelRun> run_model(const ModelMaker& make, const EvaluationData& data,
                                 std::span<const dataset::Fold> folds, const RunOptions& options) {
  ModelRun run;
  for (const auto& fold : folds) {
    if (options.cancelled != nullptr && options.cancelled->load()) {
      return core::fail("{}: walk-forward cancelled before fold {}", run.model.empty() ? "model" : run.model,
                        fold.index);
    }
    auto made = make();
    if (!made) return std::unexpected(made.error());
    std::shared_ptr<ml::Model> model = std::move(*made);
    if (run.model.empty()) run.model = model->name();
    const bool sequences = model->uses_sequences();
    auto train = make_views(data, fold.train, sequences, options);
    if (!train) return std::unexpected(train.error());
    auto valid = make_views(data, fold.valid, sequences, options);
    if (!valid) return std::unexpected(valid.error());
    auto test = make_views(data, fold.test, sequences, options);
    if (!test) return std::unexpected(test.error());
    if (train->size() == 0) return core::fail("{}: fold {} has no training samples", run.model, fold.index);

    auto fit = fit_model(model, train->set(), valid->set(), options.fit);
    if (!fit) return core::fail("{}: fold {}: training failed: {}", run.model, fold.index, fit.error().message);
    // Through the memo: an ensemble later scores the same test samples with this fit.
    auto scores = ml::predict_all_memoised(*model, test->set());
    if (!scores) return core::fail("{}: fold {}: prediction failed: {}", run.model, fold.index, scores.error().message);
    const auto& keys = test->samples();
    if (scores->size() != keys.size()) {
      return core::fail("{}: fold {}: {} scores for {} test samples", run.model, fold.index, scores->size(), keys.size());
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto k = keys[i];
      run.predictions.push_back({.ticker = k.ticker,
                                 .t = k.t,
                                 .fold = static_cast<std::uint32_t>(fold.index),
                                 .label = data.labels->at(k.ticker, k.t),
                                 .score = (*scores)[i],
                                 .forward_return = data.forward_returns->at(k.ticker, k.t)});
    }
    run.folds.push_back({fold, *fit, train->size(), keys.size()});
    // The fold's working memory (an XGBoost matrix, batches) back to the system before the next
    // fold's, or a walk-forward holds the sum of its folds' peaks (core/memory_release.hpp).
    core::release_free_memory();
    if (!options.save_dir.empty() && &fold == &folds.back()) {
      std::error_code ec;
      std::filesystem::create_directories(options.save_dir, ec);
      if (ec) return core::fail("{}: cannot create the model folder: {}", options.save_dir.string(), ec.message());
      if (auto s = model->save(options.save_dir); !s) {
        return core::fail("{}: saving the fitted model: {}", run.model, s.error().message);
      }
    }
  }
  return run;
}

}  // namespace kestrel::evaluation
