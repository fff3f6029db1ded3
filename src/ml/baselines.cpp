#include "ml/baselines.hpp"

#include <chrono>

#include "ml/model_files.hpp"

namespace kestrel::ml {
namespace {

constexpr std::size_t kChunk = 8192;

// 0 for a negative value, 1 for zero or missing, 2 for a positive value.
int sign_slot(float x) {
  if (!(x == x) || x == 0.0f) return 1;
  return x > 0 ? 2 : 0;
}

}  // namespace

core::Result<FitReport> AlwaysUp::fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                           Rows validation_rows, const FitOptions&) {
  const auto start = std::chrono::steady_clock::now();
  auto y = labels_of(train, train_rows);
  if (!y) return std::unexpected(y.error());
  if (y->empty()) return core::fail("always_up: no training samples");
  double sum = 0;
  for (float v : *y) sum += v;
  base_rate_ = static_cast<float>(sum / static_cast<double>(y->size()));
  return one_shot_report(*this, train, train_rows, validation, validation_rows, start);
}

core::Result<std::vector<float>> AlwaysUp::predict_rows(const SampleSet&, Rows rows) const {
  return std::vector<float>(rows.size(), base_rate_);
}

core::Status AlwaysUp::save(const std::filesystem::path& dir) const {
  return write_json(dir / "model.json", {{"name", name()}, {"base_rate", base_rate_}});
}

core::Status AlwaysUp::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, name());
  if (!json) return std::unexpected(json.error());
  base_rate_ = json->value("base_rate", 0.5f);
  return {};
}

core::Result<FitReport> SignBaseline::fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                               Rows validation_rows, const FitOptions&) {
  const auto start = std::chrono::steady_clock::now();
  std::array<double, 3> sum{};
  std::array<double, 3> count{};
  bool binary = true;
  for (std::size_t first = 0; first < train_rows.size(); first += kChunk) {
    auto batch = current_rows(train, train_rows.subspan(first, std::min(kChunk, train_rows.size() - first)));
    if (!batch) return std::unexpected(batch.error());
    if (column_ >= batch->num_features) {
      return core::fail("{}: feature '{}' is column {} but the view has {} columns", name_, feature_, column_,
                        batch->num_features);
    }
    for (std::size_t i = 0; i < batch->size; ++i) {
      const int slot = sign_slot(batch->x[i * batch->num_features + column_]);
      sum[slot] += batch->y[i];
      count[slot] += 1;
      binary = binary && (batch->y[i] == 0.0f || batch->y[i] == 1.0f);
    }
  }
  const double n = count[0] + count[1] + count[2];
  if (n == 0) return core::fail("{}: no training samples", name_);
  const double base = (sum[0] + sum[1] + sum[2]) / n;
  for (int s = 0; s < 3; ++s) {
    if (count[s] == 0) {
      scores_[s] = static_cast<float>(base);
    } else {
      scores_[s] = static_cast<float>(binary ? (sum[s] + 1) / (count[s] + 2) : sum[s] / count[s]);
    }
  }
  return one_shot_report(*this, train, train_rows, validation, validation_rows, start);
}

core::Result<std::vector<float>> SignBaseline::predict_rows(const SampleSet& samples, Rows rows) const {
  std::vector<float> out;
  out.reserve(rows.size());
  for (std::size_t first = 0; first < rows.size(); first += kChunk) {
    auto batch = current_rows(samples, rows.subspan(first, std::min(kChunk, rows.size() - first)));
    if (!batch) return std::unexpected(batch.error());
    if (column_ >= batch->num_features) {
      return core::fail("{}: feature '{}' is column {} but the view has {} columns", name_, feature_, column_,
                        batch->num_features);
    }
    for (std::size_t i = 0; i < batch->size; ++i) {
      out.push_back(scores_[sign_slot(batch->x[i * batch->num_features + column_])]);
    }
  }
  return out;
}

core::Status SignBaseline::save(const std::filesystem::path& dir) const {
  return write_json(dir / "model.json",
                    {{"name", name_}, {"feature", feature_}, {"column", column_}, {"scores", scores_}});
}

core::Status SignBaseline::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, name_);
  if (!json) return std::unexpected(json.error());
  if (json->value("feature", std::string{}) != feature_ || json->value("column", std::size_t{0}) != column_) {
    return core::fail("{}: saved for feature '{}', column {}; this model reads '{}', column {}", dir.string(),
                      json->value("feature", std::string{}), json->value("column", std::size_t{0}), feature_,
                      column_);
  }
  scores_ = (*json)["scores"].get<std::array<float, 3>>();
  return {};
}

}  // namespace kestrel::ml
