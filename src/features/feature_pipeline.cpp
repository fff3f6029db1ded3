#include "features/feature_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "core/progress.hpp"
#include "features/cross_section.hpp"
#include "features/feature_registry.hpp"
#include "features/ticker_features.hpp"

namespace kestrel::features {
namespace {

constexpr float kNaNf = std::numeric_limits<float>::quiet_NaN();

// Writes every row of one ticker: its per-bar time-series values on the dates it has a bar,
// NaN elsewhere and in the rows later steps fill (market and cross-sectional features). The
// matrix is allocated uninitialised, so this is the only pass over most of its memory, and it
// runs in the per-ticker tasks, in parallel.
void write_ticker_rows(const TickerBars& bars, std::span<const double> values, FeatureMatrix& matrix,
                       std::size_t ticker) {
  const std::size_t m = bars.size();
  for (const FeatureSpec& spec : feature_specs()) {
    auto row = matrix.series(spec.id, ticker);
    if (spec.kind != FeatureKind::TimeSeries) {
      std::fill(row.begin(), row.end(), kNaNf);
      continue;
    }
    // Each cell written once: NaN up to a bar's date, then the bar's value.
    const double* v = values.data() + spec.id * m;
    std::size_t t = 0;
    for (std::size_t k = 0; k < m; ++k) {
      const std::size_t d = bars.date_index[k];
      for (; t < d; ++t) row[t] = kNaNf;
      row[d] = std::isfinite(v[k]) ? static_cast<float>(v[k]) : kNaNf;
      t = d + 1;
    }
    for (; t < row.size(); ++t) row[t] = kNaNf;
  }
}

// Copies a per-date series into `target` for every ticker on the dates it has a bar.
void broadcast(FeatureMatrix& matrix, std::size_t target, std::span<const float> per_date) {
  tbb::parallel_for(std::size_t{0}, matrix.num_tickers(), [&](std::size_t i) {
    const auto present = matrix.series(kDayOfWeek, i);
    auto row = matrix.series(target, i);
    for (std::size_t t = 0; t < row.size(); ++t) row[t] = std::isnan(present[t]) ? kNaNf : per_date[t];
  });
}

}  // namespace

FeatureMatrix compute_features(const store::Panel& panel, const FeatureOptions& options) {
  const std::size_t num_tickers = panel.num_tickers();
  const std::size_t num_dates = panel.num_dates();
  FeatureMatrix matrix;
  for (const FeatureSpec& spec : feature_specs()) matrix.names.emplace_back(spec.name);
  matrix.dates.assign(panel.dates().begin(), panel.dates().end());
  matrix.tickers = panel.tickers();
  // 2 GB for the full universe, left uninitialised: the per-ticker tasks write every row.
  matrix.values.resize(kFeatureCount * num_tickers * num_dates);

  const auto benchmark = panel.ticker_index(options.benchmark);
  std::vector<bool> universe_flags(num_tickers);
  for (std::size_t i = 0; i < num_tickers; ++i) {
    universe_flags[i] = panel.sectors()[i] != options.benchmark_sector && panel.tickers()[i] != options.benchmark;
  }
  // std::vector<bool> has no contiguous storage to view as a span.
  const std::unique_ptr<bool[]> in_universe(new bool[num_tickers]);
  for (std::size_t i = 0; i < num_tickers; ++i) in_universe[i] = universe_flags[i];
  const std::span<const bool> universe(in_universe.get(), num_tickers);

  // Time-series work per ticker, then one step per market/cross-sectional feature.
  std::size_t later_steps = 0;
  for (const FeatureSpec& spec : feature_specs()) later_steps += spec.kind != FeatureKind::TimeSeries ? 1 : 0;
  core::ProgressBar progress("features", num_tickers + later_steps, options.show_progress);

  tbb::enumerable_thread_specific<std::vector<double>> scratch;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, num_tickers, 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      auto& values = scratch.local();
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        const TickerBars bars = extract_bars(panel, i, benchmark);
                        values.assign(kFeatureCount * bars.size(), std::numeric_limits<double>::quiet_NaN());
                        compute_time_series(bars, panel.dates(), options.max_gap, values);
                        write_ticker_rows(bars, values, matrix, i);
                        progress.advance();
                      }
                    });

  // Market regime: the benchmark's own features, and breadth over the universe.
  auto benchmark_row = [&](FeatureId source) {
    std::vector<float> row(num_dates, kNaNf);
    if (benchmark) {
      const auto s = matrix.series(source, *benchmark);
      row.assign(s.begin(), s.end());
    }
    return row;
  };
  for (auto [target, source] : {std::pair{kMktRv20, kRv20}, std::pair{kMktRv60, kRv60}, std::pair{kMktRet20, kRet20d}}) {
    broadcast(matrix, target, benchmark_row(source));
    progress.advance();
  }
  for (auto [target, source] : {std::pair{kBreadth50, kSmaRatio50}, std::pair{kBreadth200, kSmaRatio200}}) {
    const auto share = share_positive(matrix, source, universe);
    broadcast(matrix, target, std::vector<float>(share.begin(), share.end()));
    progress.advance();
  }

  for (const FeatureSpec& spec : feature_specs()) {
    if (spec.kind != FeatureKind::CrossSectional) continue;
    const auto stat = spec.name.starts_with("cs_rank_") ? CrossSectionStat::Rank : CrossSectionStat::ZScore;
    cross_section(matrix, *spec.source, spec.id, stat, universe);
    progress.advance();
  }
  progress.finish();
  return matrix;
}

}  // namespace kestrel::features
