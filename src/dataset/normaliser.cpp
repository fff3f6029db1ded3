#include "dataset/normaliser.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>
#include <tbb/parallel_for.h>

#include "core/quantile.hpp"

namespace kestrel::dataset {
namespace {

// Ranks the finite values of one date's cross-section in place, mapped to [-1, 1].
void rank_cross_section(std::vector<float*>& cells, std::vector<std::size_t>& order) {
  const std::size_t n = cells.size();
  if (n == 0) return;
  if (n == 1) {
    *cells[0] = 0.0f;
    return;
  }
  order.resize(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return *cells[a] < *cells[b]; });
  std::vector<float> ranks(n);
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && *cells[order[j + 1]] == *cells[order[i]]) ++j;
    const double average = 0.5 * static_cast<double>(i + j);
    for (std::size_t m = i; m <= j; ++m) ranks[order[m]] = static_cast<float>(2.0 * average / static_cast<double>(n - 1) - 1.0);
    i = j + 1;
  }
  for (std::size_t m = 0; m < n; ++m) *cells[m] = ranks[m];
}

}  // namespace

std::string_view to_string(NormaliserKind kind) {
  switch (kind) {
    case NormaliserKind::ZScore: return "zscore";
    case NormaliserKind::Robust: return "robust";
    case NormaliserKind::CrossSectionalRank: return "rank";
  }
  return "unknown";
}

core::Result<NormaliserKind> parse_normaliser_kind(std::string_view text) {
  for (auto kind : {NormaliserKind::ZScore, NormaliserKind::Robust, NormaliserKind::CrossSectionalRank}) {
    if (text == to_string(kind)) return kind;
  }
  return core::fail("unknown normaliser '{}' (expected zscore, robust or rank)", text);
}

Normaliser Normaliser::fit(NormaliserKind kind, const features::FeatureMatrix& matrix, DateRange train,
                           float clip) {
  Normaliser n;
  n.kind_ = kind;
  n.names_ = matrix.names;
  n.clip_ = clip;
  const std::size_t num_features = matrix.num_features();
  n.center_.assign(num_features, 0.0);
  n.scale_.assign(num_features, 1.0);
  if (kind == NormaliserKind::CrossSectionalRank) return n;
  const std::size_t end = std::min(train.end, matrix.num_dates());

  tbb::parallel_for(std::size_t{0}, num_features, [&](std::size_t f) {
    if (kind == NormaliserKind::ZScore) {
      // Two passes (mean, then squared deviations): a constant feature gets exactly zero
      // variance instead of a rounding residue that would blow up its scale.
      double sum = 0;
      std::size_t count = 0;
      for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
        const auto s = matrix.series(f, i);
        for (std::size_t t = train.begin; t < end; ++t) {
          if (!std::isfinite(s[t])) continue;
          sum += s[t];
          ++count;
        }
      }
      if (count == 0) return;
      const double mean = sum / static_cast<double>(count);
      double squares = 0;
      for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
        const auto s = matrix.series(f, i);
        for (std::size_t t = train.begin; t < end; ++t) {
          if (std::isfinite(s[t])) squares += (s[t] - mean) * (s[t] - mean);
        }
      }
      const double var = squares / static_cast<double>(count);
      n.center_[f] = mean;
      n.scale_[f] = var > 0 ? std::sqrt(var) : 1.0;
    } else {
      std::vector<float> v;
      for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
        const auto s = matrix.series(f, i);
        for (std::size_t t = train.begin; t < end; ++t) {
          if (std::isfinite(s[t])) v.push_back(s[t]);
        }
      }
      if (v.empty()) return;
      const double p25 = core::linear_quantile(std::span<float>(v), 0.25);
      const double p75 = core::linear_quantile(std::span<float>(v), 0.75);
      n.center_[f] = core::linear_quantile(std::span<float>(v), 0.5);
      n.scale_[f] = p75 > p25 ? p75 - p25 : 1.0;
    }
  });
  return n;
}

float Normaliser::transform(std::size_t f, float x) const {
  float y = static_cast<float>((static_cast<double>(x) - center_[f]) / scale_[f]);
  if (clip_ > 0 && std::isfinite(y)) y = std::clamp(y, -clip_, clip_);
  return y;
}

core::Status Normaliser::apply(features::FeatureMatrix& matrix) const {
  if (matrix.names != names_) {
    return core::fail("normaliser: the feature matrix has {} features that differ from the {} it was "
                      "fitted on (names or order)",
                      matrix.num_features(), names_.size());
  }
  if (kind_ == NormaliserKind::CrossSectionalRank) {
    tbb::parallel_for(std::size_t{0}, matrix.num_features(), [&](std::size_t f) {
      std::vector<float*> cells;
      std::vector<std::size_t> order;
      for (std::size_t t = 0; t < matrix.num_dates(); ++t) {
        cells.clear();
        for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
          float& x = matrix.series(f, i)[t];
          if (std::isfinite(x)) cells.push_back(&x);
        }
        rank_cross_section(cells, order);
      }
    });
    return {};
  }
  tbb::parallel_for(std::size_t{0}, matrix.num_features(), [&](std::size_t f) {
    for (std::size_t i = 0; i < matrix.num_tickers(); ++i) {
      for (float& x : matrix.series(f, i)) x = transform(f, x);
    }
  });
  return {};
}

std::string Normaliser::to_json() const {
  nlohmann::json j;
  j["kind"] = std::string(to_string(kind_));
  j["clip"] = clip_;
  j["features"] = names_;
  j["center"] = center_;
  j["scale"] = scale_;
  return j.dump(2);
}

core::Result<Normaliser> Normaliser::from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::fail("normaliser: not a JSON object");
  for (const char* key : {"kind", "clip", "features", "center", "scale"}) {
    if (!j.contains(key)) return core::fail("normaliser: missing field '{}'", key);
  }
  Normaliser n;
  try {
    auto kind = parse_normaliser_kind(j["kind"].get<std::string>());
    if (!kind) return std::unexpected(kind.error());
    n.kind_ = *kind;
    n.clip_ = j["clip"].get<float>();
    n.names_ = j["features"].get<std::vector<std::string>>();
    n.center_ = j["center"].get<std::vector<double>>();
    n.scale_ = j["scale"].get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    return core::fail("normaliser: field of the wrong type: {}", e.what());
  }
  if (n.center_.size() != n.names_.size() || n.scale_.size() != n.names_.size()) {
    return core::fail("normaliser: {} features but {} centers and {} scales", n.names_.size(),
                      n.center_.size(), n.scale_.size());
  }
  for (std::size_t f = 0; f < n.scale_.size(); ++f) {
    if (!(n.scale_[f] > 0)) return core::fail("normaliser: scale of '{}' must be positive", n.names_[f]);
  }
  return n;
}

}  // namespace kestrel::dataset
