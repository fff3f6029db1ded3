#include "ml/fitted_model_cache.hpp"

#include <bit>

#include <fmt/format.h>

#include "core/checksum.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"

namespace kestrel::ml {
namespace {

// (ticker, t, label bits) of every row, in order, hashed.
std::uint64_t rows_hash(const std::vector<dataset::SampleKey>& samples, Rows rows, const std::vector<float>& labels) {
  std::vector<std::uint32_t> words;
  words.reserve(rows.size() * 3);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto key = samples[rows[i]];
    words.push_back(key.ticker);
    words.push_back(key.t);
    words.push_back(std::bit_cast<std::uint32_t>(labels[i]));
  }
  return core::xxh64(std::as_bytes(std::span(words)));
}

struct ViewIdentity {
  const std::vector<dataset::SampleKey>* samples = nullptr;
  std::string description;
};

core::Result<ViewIdentity> view_identity(const SampleSet& set, bool sequences) {
  const auto columns = [](const std::vector<std::size_t>& c) {
    return core::xxh64(std::as_bytes(std::span(c)));
  };
  if (sequences || set.tabular == nullptr) {
    const auto* view = set.sequence;
    if (view == nullptr) return core::fail("fitted-model cache: the sample set has no view");
    // A tabular model reading a sequence view sees only the last step: no window length.
    return ViewIdentity{&view->samples(),
                        fmt::format("{}/{}/{:x}/{}", fmt::ptr(view->matrix()), static_cast<int>(view->nan_policy()),
                                    columns(view->columns()), sequences ? view->lookback() : 0)};
  }
  const auto* view = set.tabular;
  return ViewIdentity{&view->samples(), fmt::format("{}/{}/{:x}/0", fmt::ptr(view->matrix()),
                                                    static_cast<int>(view->nan_policy()), columns(view->columns()))};
}

core::Result<std::string> rows_identity(const SampleSet& set, Rows rows, bool sequences) {
  if (rows.empty()) return std::string("none");
  auto view = view_identity(set, sequences);
  if (!view) return std::unexpected(view.error());
  auto labels = labels_of(set, rows);
  if (!labels) return std::unexpected(labels.error());
  return fmt::format("{}/{}/{:x}", view->description, rows.size(), rows_hash(*view->samples, rows, *labels));
}

}  // namespace

std::optional<FittedModel> FittedModelCache::find(const std::string& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = fits_.find(key);
  if (it == fits_.end()) return std::nullopt;
  ++hits_;
  FittedModel fitted = it->second;
  fitted.reused = true;
  return fitted;
}

void FittedModelCache::add(const std::string& key, const FittedModel& fitted) {
  const std::lock_guard lock(mutex_);
  fits_.insert_or_assign(key, fitted);
}

std::size_t FittedModelCache::hits() const {
  const std::lock_guard lock(mutex_);
  return hits_;
}

std::size_t FittedModelCache::size() const {
  const std::lock_guard lock(mutex_);
  return fits_.size();
}

core::Result<std::string> fit_key(const SampleModel& model, const SampleSet& train, Rows train_rows,
                                  const SampleSet& validation, Rows validation_rows, std::uint64_t seed) {
  const bool sequences = model.uses_sequences();
  auto fitted_on = rows_identity(train, train_rows, sequences);
  if (!fitted_on) return std::unexpected(fitted_on.error());
  auto stopped_on = rows_identity(validation, validation_rows, sequences);
  if (!stopped_on) return std::unexpected(stopped_on.error());
  return fmt::format("{}|{}|seed {}|train {}|valid {}", model.name(), model.fit_settings(), seed, *fitted_on,
                     *stopped_on);
}

core::Result<FittedModel> fit_or_reuse(std::shared_ptr<SampleModel> model, const SampleSet& train, Rows train_rows,
                                       const SampleSet& validation, Rows validation_rows, const FitOptions& options) {
  std::string key;
  if (options.fitted_models) {
    auto made = fit_key(*model, train, train_rows, validation, validation_rows, options.seed);
    if (!made) return std::unexpected(made.error());
    key = std::move(*made);
    if (auto hit = options.fitted_models->find(key)) return std::move(*hit);
  }
  auto report = model->fit_rows(train, train_rows, validation, validation_rows, options);
  if (!report) return std::unexpected(report.error());
  FittedModel fitted{.model = std::move(model), .report = std::move(*report), .reused = false};
  if (options.fitted_models) options.fitted_models->add(key, fitted);
  return fitted;
}

}  // namespace kestrel::ml
