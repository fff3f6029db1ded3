#include "ml/sample_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/elapsed.hpp"

namespace kestrel::ml {

core::Result<FitReport> SampleModel::fit(const SampleSet& train, const SampleSet& validation,
                                         const FitOptions& options) {
  auto n_train = sample_count(train, uses_sequences());
  if (!n_train) return std::unexpected(n_train.error());
  std::vector<std::size_t> valid_rows;
  if (validation.tabular != nullptr || validation.sequence != nullptr) {
    auto n_valid = sample_count(validation, uses_sequences());
    if (!n_valid) return std::unexpected(n_valid.error());
    valid_rows = all_rows(*n_valid);
  }
  const auto train_rows = all_rows(*n_train);
  return fit_rows(train, train_rows, validation, valid_rows, options);
}

core::Result<std::vector<float>> SampleModel::predict(const SampleSet& samples) const {
  auto n = sample_count(samples, uses_sequences());
  if (!n) return std::unexpected(n.error());
  const auto rows = all_rows(*n);
  return predict_rows(samples, rows);
}

core::Result<std::size_t> sample_count(const SampleSet& samples, bool sequences) {
  if (samples.tabular != nullptr && samples.sequence != nullptr &&
      samples.tabular->size() != samples.sequence->size()) {
    return core::fail("sample set: the tabular view has {} samples but the sequence view {}; both must cover "
                      "the same samples",
                      samples.tabular->size(), samples.sequence->size());
  }
  if (sequences) {
    if (samples.sequence == nullptr) return core::fail("sample set: this model needs a sequence view");
    return samples.sequence->size();
  }
  if (samples.tabular != nullptr) return samples.tabular->size();
  if (samples.sequence != nullptr) return samples.sequence->size();
  return core::fail("sample set: no view given");
}

std::vector<std::size_t> all_rows(std::size_t count) {
  std::vector<std::size_t> rows(count);
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  return rows;
}

std::vector<std::size_t> evenly_spaced(Rows rows, std::size_t max) {
  if (max == 0 || rows.size() <= max) return {rows.begin(), rows.end()};
  std::vector<std::size_t> out(max);
  for (std::size_t i = 0; i < max; ++i) out[i] = rows[i * rows.size() / max];
  return out;
}

core::Result<dataset::Batch> current_rows(const SampleSet& samples, Rows rows) {
  if (samples.tabular != nullptr) return samples.tabular->materialise(rows);
  if (samples.sequence == nullptr) return core::fail("sample set: no view given");
  return samples.sequence->materialise_last(rows);
}

core::Result<std::vector<float>> labels_of(const SampleSet& samples, Rows rows) {
  // Read from the labels, not from materialised rows: a row's features are 105 strided reads.
  if (samples.tabular == nullptr && samples.sequence == nullptr) return core::fail("sample set: no view given");
  std::vector<float> y(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    y[i] = samples.tabular != nullptr ? samples.tabular->label(rows[i]) : samples.sequence->label(rows[i]);
  }
  return y;
}

double prediction_loss(std::span<const float> scores, std::span<const float> labels) {
  if (scores.empty()) return 0;
  double sum = 0;
  if (is_binary(labels)) {
    for (std::size_t i = 0; i < scores.size(); ++i) {
      const double q = std::clamp(static_cast<double>(scores[i]), 1e-7, 1 - 1e-7);
      sum -= labels[i] > 0.5f ? std::log(q) : std::log(1 - q);
    }
  } else {
    for (std::size_t i = 0; i < scores.size(); ++i) {
      const double d = static_cast<double>(scores[i]) - labels[i];
      sum += d * d;
    }
  }
  return sum / static_cast<double>(scores.size());
}

core::Result<FitReport> one_shot_report(const SampleModel& model, const SampleSet& train, Rows train_rows,
                                        const SampleSet& validation, Rows validation_rows,
                                        std::chrono::steady_clock::time_point start) {
  FitReport report;
  report.epochs_run = 1;
  report.samples_fitted = train_rows.size();
  // The training loss on at most 100,000 evenly spaced training rows: it is a diagnostic,
  // and an ensemble of sequence networks scoring all 1.6M of us-daily's took minutes.
  const auto train_sample = evenly_spaced(train_rows, kOneShotTrainLossRows);
  for (int part = 0; part < 2; ++part) {
    const SampleSet& set = part == 0 ? train : validation;
    const Rows rows = part == 0 ? Rows(train_sample) : validation_rows;
    if (rows.empty()) continue;
    auto p = model.predict_rows(set, rows);
    if (!p) return std::unexpected(p.error());
    auto y = labels_of(set, rows);
    if (!y) return std::unexpected(y.error());
    (part == 0 ? report.train_loss : report.validation_loss).push_back(prediction_loss(*p, *y));
  }
  report.best_validation_loss = report.validation_loss.empty() ? 0 : report.validation_loss.back();
  report.seconds = core::seconds_since(start);
  return report;
}

bool is_binary(std::span<const float> labels) {
  for (float v : labels) {
    if (v != 0.0f && v != 1.0f) return false;
  }
  return true;
}

}  // namespace kestrel::ml
