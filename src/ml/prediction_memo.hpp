#pragma once
// Predictions made once and reused within a process. In a pipeline run the same fitted model
// scores the same samples several times: the standalone lstm scores the test segment, then
// ensemble_average and stacking score it again through the same member; permutation
// importance scores the window once per shuffled feature for the lstm, then again for every
// ensemble holding it (on us-daily these repeats cost about seven minutes).
//
// The key is what decides the scores, by content, never by address:
// - the model's fingerprint (SampleModel::fingerprint: its settings and fitted parameters, so
//   a model loaded from disk matches the fit it was saved from); a model without one is
//   always asked;
// - whether it reads windows or rows, the window length, the view's columns and NaN policy;
// - the rows' (ticker, date) keys, in order;
// - every feature value the rows can read: per ticker, all the view's columns over
//   [first date - lookback + 1, last date] (a row reader: [first date, last date]).
// Shuffling a feature in place (permutation importance) therefore changes the key.
//
// A hash of that (two independent 64-bit XXH64 lanes), not the content itself, is stored:
// the memo holds at most kPredictionMemoBytes of scores, the oldest dropped first.
//
// One memo per binary: the callers are the evaluation and the ensembles, in the kestrel
// executable; kestrel-models.so (ml/model_backends.hpp) links its own copy of this file but
// never calls it, so every lookup meets the same memo.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/checksum.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

// A 128-bit digest built from two XXH64 chains with different seeds: the memo's keys and the
// models' fingerprints.
class ContentDigest {
 public:
  void add(std::span<const std::byte> bytes) {
    a_ = core::xxh64(bytes, a_);
    b_ = core::xxh64(bytes, b_);
  }
  void add(std::string_view text) { add(std::as_bytes(std::span(text.data(), text.size()))); }
  template <typename T>
  void add_values(std::span<const T> values) {
    add(std::as_bytes(values));
  }
  std::string hex() const { return fmt::format("{:016x}{:016x}", a_, b_); }

 private:
  std::uint64_t a_ = 0;
  std::uint64_t b_ = 0x9e3779b97f4a7c15ULL;
};

inline constexpr std::size_t kPredictionMemoBytes = std::size_t{256} << 20;

// model.predict_rows(samples, rows), or the same prediction made earlier in this process.
core::Result<std::vector<float>> predict_memoised(const SampleModel& model, const SampleSet& samples, Rows rows);
// model.predict(samples) through the memo (every row; a model that is not a SampleModel is
// asked directly).
core::Result<std::vector<float>> predict_all_memoised(const Model& model, const SampleSet& samples);

struct PredictionMemoStats {
  std::size_t hits = 0;
  std::size_t misses = 0;  // predictions made and stored
};
PredictionMemoStats prediction_memo_stats();
// Forgets every prediction (tests; a caller that wants to time predictions).
void clear_prediction_memo();

}  // namespace kestrel::ml
