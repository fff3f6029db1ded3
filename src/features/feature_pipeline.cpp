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

// A stretch of bars on consecutive panel dates: bars first_bar.. sit on dates first_date..
struct Stretch {
  std::size_t first_bar = 0;
  std::size_t first_date = 0;
  std::size_t length = 0;
};

std::vector<Stretch> stretches_of(const TickerBars& bars) {
  std::vector<Stretch> out;
  for (std::size_t k = 0; k < bars.size(); ++k) {
    const std::size_t d = bars.date_index[k];
    if (!out.empty() && out.back().first_date + out.back().length == d) {
      ++out.back().length;
    } else {
      out.push_back({.first_bar = k, .first_date = d, .length = 1});
    }
  }
  return out;
}

// One stretch of a feature's values as float32; infinities become NaN (missing).
void round_to_float(const double* in, std::size_t n, float* out) {
  for (std::size_t j = 0; j < n; ++j) {
    const double x = in[j];
    out[j] = std::fabs(x) <= std::numeric_limits<double>::max() ? static_cast<float>(x) : kNaNf;
  }
}

// Writes the time-series rows of one ticker: its per-bar values on the dates it has a bar, NaN
// elsewhere. The matrix is allocated uninitialised, so this is the only pass over most of its
// memory, and it runs in the per-ticker tasks, in parallel. Bars come in long stretches of
// consecutive dates, each copied by one tight loop. The other rows are written once each by
// the later steps (market rows for every ticker, cross-sectional rows for the universe, NaN for
// the tickers outside it).
void write_ticker_rows(std::span<const Stretch> stretches, std::size_t num_bars, std::span<const double> values,
                       FeatureMatrix& matrix, std::size_t ticker) {
  for (const FeatureSpec& spec : feature_specs()) {
    if (spec.kind != FeatureKind::TimeSeries) continue;
    auto row = matrix.series(spec.id, ticker);
    const double* v = values.data() + spec.id * num_bars;
    std::size_t t = 0;
    for (const Stretch& s : stretches) {
      std::fill(row.data() + t, row.data() + s.first_date, kNaNf);
      round_to_float(v + s.first_bar, s.length, row.data() + s.first_date);
      t = s.first_date + s.length;
    }
    std::fill(row.data() + t, row.data() + row.size(), kNaNf);
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

  const PanelCalendar calendar(panel.dates());
  const BenchmarkSeries benchmark_series(panel, benchmark);
  tbb::enumerable_thread_specific<std::vector<double>> scratch;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, num_tickers, 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      auto& values = scratch.local();
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        const TickerBars bars = extract_bars(panel, i, benchmark_series);
                        // No fill first: compute_time_series writes every time-series row.
                        values.resize(kFeatureCount * bars.size());
                        compute_time_series(bars, calendar, options.max_gap, values);
                        write_ticker_rows(stretches_of(bars), bars.size(), values, matrix, i);
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

  std::vector<CrossSectionJob> jobs;
  for (const FeatureSpec& spec : feature_specs()) {
    if (spec.kind != FeatureKind::CrossSectional) continue;
    const auto stat = spec.name.starts_with("cs_rank_") ? CrossSectionStat::Rank : CrossSectionStat::ZScore;
    jobs.push_back({.source = *spec.source, .target = spec.id, .stat = stat});
  }
  cross_sections(matrix, jobs, universe);
  for (std::size_t i = 0; i < num_tickers; ++i) {
    if (universe[i]) continue;
    for (const CrossSectionJob& job : jobs) std::ranges::fill(matrix.series(job.target, i), kNaNf);
  }
  progress.advance(jobs.size());
  progress.finish();
  return matrix;
}

}  // namespace kestrel::features
