#include "ml/prediction_memo.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <optional>

namespace kestrel::ml {
namespace {

struct ReadView {
  const features::FeatureMatrix* matrix = nullptr;
  const std::vector<dataset::SampleKey>* samples = nullptr;
  const std::vector<std::size_t>* columns = nullptr;
  dataset::NanPolicy nan_policy = dataset::NanPolicy::Keep;
  std::size_t lookback = 1;  // 1: the model reads the row at t only
};

// The view the model reads (as sample_model.hpp's current_rows and the sequence models do).
core::Result<ReadView> read_view(const SampleModel& model, const SampleSet& samples) {
  if (model.uses_sequences() || samples.tabular == nullptr) {
    const auto* view = samples.sequence;
    if (view == nullptr) return core::fail("prediction memo: the sample set has no view");
    return ReadView{view->matrix(), &view->samples(), &view->columns(), view->nan_policy(),
                    model.uses_sequences() ? view->lookback() : 1};
  }
  const auto* view = samples.tabular;
  return ReadView{view->matrix(), &view->samples(), &view->columns(), view->nan_policy(), 1};
}

core::Result<std::string> content_key(const SampleModel& model, const std::string& fingerprint,
                                      const SampleSet& samples, Rows rows) {
  auto view = read_view(model, samples);
  if (!view) return std::unexpected(view.error());
  ContentDigest hash;
  const std::uint64_t shape[] = {rows.size(), view->lookback, static_cast<std::uint64_t>(view->nan_policy),
                                 view->columns->size()};
  hash.add_values(std::span<const std::uint64_t>(shape));
  hash.add_values(std::span<const std::size_t>(*view->columns));
  // The rows' keys in order, and each ticker's span of dates they read.
  std::vector<dataset::SampleKey> keys(rows.size());
  std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> spans;  // ticker -> [first, last]
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] >= view->samples->size()) return core::fail("prediction memo: row {} is out of range", rows[i]);
    keys[i] = (*view->samples)[rows[i]];
    auto [it, added] = spans.try_emplace(keys[i].ticker, keys[i].t, keys[i].t);
    if (!added) {
      it->second.first = std::min(it->second.first, keys[i].t);
      it->second.second = std::max(it->second.second, keys[i].t);
    }
  }
  hash.add_values(std::span<const dataset::SampleKey>(keys));
  const auto& matrix = *view->matrix;
  for (const auto& [ticker, span] : spans) {
    const std::size_t first = span.first + 1 >= view->lookback ? span.first + 1 - view->lookback : 0;
    const std::size_t last = std::min<std::size_t>(span.second, matrix.num_dates() - 1);
    for (std::size_t column : *view->columns) {
      hash.add_values(matrix.series(column, ticker).subspan(first, last + 1 - first));
    }
  }
  return fmt::format("{}|{}", fingerprint, hash.hex());
}

class PredictionMemo {
 public:
  std::optional<std::vector<float>> find(const std::string& key) {
    const std::lock_guard lock(mutex_);
    const auto it = scores_.find(key);
    if (it == scores_.end()) return std::nullopt;
    ++hits_;
    return it->second;
  }

  void add(const std::string& key, const std::vector<float>& scores) {
    const std::size_t size = scores.size() * sizeof(float);
    if (size > kPredictionMemoBytes) return;
    const std::lock_guard lock(mutex_);
    ++misses_;
    if (!scores_.try_emplace(key, scores).second) return;  // another thread made it meanwhile
    order_.push_back(key);
    bytes_ += size;
    while (bytes_ > kPredictionMemoBytes && !order_.empty()) {
      const auto oldest = scores_.find(order_.front());
      bytes_ -= oldest->second.size() * sizeof(float);
      scores_.erase(oldest);
      order_.pop_front();
    }
  }

  PredictionMemoStats stats() const {
    const std::lock_guard lock(mutex_);
    return {.hits = hits_, .misses = misses_};
  }

  void clear() {
    const std::lock_guard lock(mutex_);
    scores_.clear();
    order_.clear();
    bytes_ = hits_ = misses_ = 0;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<float>> scores_;
  std::deque<std::string> order_;  // oldest first
  std::size_t bytes_ = 0;
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

PredictionMemo& memo() {
  static PredictionMemo instance;
  return instance;
}

}  // namespace

core::Result<std::vector<float>> predict_memoised(const SampleModel& model, const SampleSet& samples, Rows rows) {
  const std::string fingerprint = model.fingerprint();
  if (fingerprint.empty() || rows.empty()) return model.predict_rows(samples, rows);
  auto key = content_key(model, fingerprint, samples, rows);
  if (!key) return std::unexpected(key.error());
  if (auto found = memo().find(*key)) return std::move(*found);
  auto scores = model.predict_rows(samples, rows);
  if (scores && scores->size() == rows.size()) memo().add(*key, *scores);
  return scores;
}

core::Result<std::vector<float>> predict_all_memoised(const Model& model, const SampleSet& samples) {
  const auto* sample_model = dynamic_cast<const SampleModel*>(&model);
  if (sample_model == nullptr) return model.predict(samples);
  auto count = sample_count(samples, model.uses_sequences());
  if (!count) return std::unexpected(count.error());
  return predict_memoised(*sample_model, samples, all_rows(*count));
}

PredictionMemoStats prediction_memo_stats() { return memo().stats(); }

void clear_prediction_memo() { memo().clear(); }

}  // namespace kestrel::ml
