#include "dataset/labels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

namespace kestrel::dataset {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Three-way classification around a dead zone; values inside it stay unlabeled.
float classify(double x, double dead_zone) {
  if (x > dead_zone) return 1.0f;
  if (x < -dead_zone) return 0.0f;
  return kNaN;
}

double median_of(std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

}  // namespace

std::string_view to_string(LabelKind kind) {
  switch (kind) {
    case LabelKind::Direction: return "direction";
    case LabelKind::ForwardReturn: return "fwd_return";
    case LabelKind::Outperformance: return "outperform";
    case LabelKind::ExcessOverBenchmark: return "excess";
  }
  return "unknown";
}

core::Result<Labels> make_labels(const store::Panel& panel, const LabelOptions& options) {
  if (options.horizon == 0) return core::fail("labels: horizon must be at least 1 day");
  if (!(options.dead_zone >= 0)) {
    return core::fail("labels: dead_zone must be >= 0 (got {})", options.dead_zone);
  }
  if (options.kind == LabelKind::ForwardReturn && options.dead_zone != 0) {
    return core::fail("labels: a dead zone applies to direction/outperformance labels, not fwd_return");
  }

  std::optional<std::size_t> benchmark;
  if (options.kind == LabelKind::ExcessOverBenchmark) {
    benchmark = panel.ticker_index(options.benchmark);
    if (!benchmark) return core::fail("labels: the benchmark '{}' of excess labels is not in the data", options.benchmark);
  }
  const std::size_t n = panel.num_dates();
  const std::size_t k = options.horizon;
  Labels labels;
  labels.name = fmt::format("{}_{}d", to_string(options.kind), k);
  labels.kind = options.kind;
  labels.horizon = k;
  labels.dates.assign(panel.dates().begin(), panel.dates().end());
  labels.tickers = panel.tickers();
  labels.values.assign(panel.num_tickers() * n, kNaN);

  // Forward returns first (double precision), then the kind-specific mapping.
  std::vector<double> forward(panel.num_tickers() * n, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    if (!options.benchmark_sector.empty() && i < panel.sectors().size() &&
        panel.sectors()[i] == options.benchmark_sector) {
      continue;
    }
    const auto close = panel.series(store::Field::AdjClose, i);
    for (std::size_t t = 0; t + k < n; ++t) {
      const double now = close[t];
      const double later = close[t + k];
      if (std::isnan(now) || std::isnan(later) || !(now > 0)) continue;
      forward[i * n + t] = later / now - 1.0;
    }
  }

  if (benchmark) {
    // The benchmark's forward return, computed like every ticker's (even if its sector keeps it
    // from being labeled itself).
    const auto close = panel.series(store::Field::AdjClose, *benchmark);
    std::vector<double> hurdle(n, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t t = 0; t + k < n; ++t) {
      if (close[t] > 0 && !std::isnan(close[t + k])) hurdle[t] = close[t + k] / close[t] - 1.0;
    }
    for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
      if (i == *benchmark) continue;
      for (std::size_t t = 0; t < n; ++t) {
        const double r = forward[i * n + t];
        if (!std::isnan(r) && !std::isnan(hurdle[t])) labels.values[i * n + t] = classify(r - hurdle[t], options.dead_zone);
      }
    }
    return labels;
  }

  if (options.kind == LabelKind::Outperformance) {
    std::vector<double> day;
    for (std::size_t t = 0; t < n; ++t) {
      day.clear();
      for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
        if (!std::isnan(forward[i * n + t])) day.push_back(forward[i * n + t]);
      }
      if (day.empty() || day.size() < options.min_cross_section) continue;
      const double median = median_of(day);
      for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
        const double r = forward[i * n + t];
        if (!std::isnan(r)) labels.values[i * n + t] = classify(r - median, options.dead_zone);
      }
    }
    return labels;
  }

  for (std::size_t j = 0; j < forward.size(); ++j) {
    const double r = forward[j];
    if (std::isnan(r)) continue;
    labels.values[j] = options.kind == LabelKind::ForwardReturn ? static_cast<float>(r)
                                                                : classify(r, options.dead_zone);
  }
  return labels;
}

}  // namespace kestrel::dataset
