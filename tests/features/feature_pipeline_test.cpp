#include "features/feature_pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "features/feature_registry.hpp"
#include "features/kernel_scratch.hpp"
#include "features/ticker_features.hpp"
#include "features/vector_math.hpp"
#include "store/csv_folder.hpp"
#include "store/research_span.hpp"
#include <fstream>

namespace kestrel::features {
namespace {

std::vector<store::TickerSeries> sample_series() {
  auto series = store::read_csv_folder(KESTREL_SAMPLE_DATA);
  EXPECT_TRUE(series) << (series ? "" : series.error().message);
  return series ? *series : std::vector<store::TickerSeries>{};
}

// The sample tickers and GAPPY, a copy of the first without bars 40-59 (a gap longer than any
// bridging, so its runs restart) whose two runs each start with a flat bar.
std::vector<store::TickerSeries> sample_series_with_gappy_ticker() {
  auto series = sample_series();
  store::TickerSeries gappy{.symbol = "GAPPY", .sector = "", .bars = {}, .actions = {}};
  for (std::size_t k = 0; k < series[0].bars.size(); ++k) {
    if (k >= 40 && k < 60) continue;  // a gap longer than any bridging
    store::Bar bar = series[0].bars[k];
    if (k == 0 || k == 60) bar.open = bar.high = bar.low = bar.close = bar.adj_close = 50;
    if (k == 60) bar.volume = 0;
    gappy.bars.push_back(bar);
  }
  series.push_back(gappy);
  return series;
}

bool same_value(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(FeatureRegistry, AtLeast95UniqueNamesInIdOrderAndDocumented) {
  const auto specs = feature_specs();
  EXPECT_GE(specs.size(), 95u);
  std::set<std::string_view> names;
  const auto docs_path = std::filesystem::path(KESTREL_SOURCE_DIR) / "docs/features.md";
  std::ifstream in(docs_path);
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    EXPECT_EQ(specs[i].id, i) << specs[i].name;
    EXPECT_TRUE(names.insert(specs[i].name).second) << "duplicate " << specs[i].name;
    std::string quoted(1, '`');
    quoted.append(specs[i].name).push_back('`');
    EXPECT_NE(docs.find(quoted), std::string::npos)
        << specs[i].name << " is not documented in docs/features.md";
    EXPECT_EQ(specs[i].kind == FeatureKind::CrossSectional, specs[i].source.has_value()) << specs[i].name;
  }
}

TEST(FeatureMatrix, AFeaturesPlaneIndexesCellsTickerMajor) {
  FeatureMatrix m;
  m.names = {"a", "b"};
  m.tickers = {"X", "Y", "Z"};
  m.dates.resize(4);
  m.values.resize(2 * 3 * 4);
  for (std::size_t k = 0; k < m.values.size(); ++k) m.values[k] = static_cast<float>(k);
  for (std::size_t f = 0; f < 2; ++f) {
    const auto plane = m.feature(f);
    ASSERT_EQ(plane.size(), 12u);
    for (std::size_t i = 0; i < 3; ++i) {
      for (std::size_t t = 0; t < 4; ++t) EXPECT_EQ(plane[i * 4 + t], m.at(f, i, t)) << f << ' ' << i << ' ' << t;
    }
  }
}

TEST(FeaturePipeline, SampleValuesRespectWarmUpMissingBarsAndUniverse) {
  const auto panel = store::Panel::build(sample_series());
  const FeatureMatrix m = compute_features(panel, {});
  ASSERT_EQ(m.num_features(), kFeatureCount);
  ASSERT_EQ(m.num_tickers(), panel.num_tickers());
  ASSERT_EQ(m.values.size(), kFeatureCount * m.num_tickers() * m.num_dates());
  const std::size_t aapl = *panel.ticker_index("AAPL");
  const std::size_t spy = *panel.ticker_index("SPY");
  for (const FeatureSpec& spec : feature_specs()) {
    const auto s = m.series(spec.id, aapl);
    // AAPL has every bar of the sample: nothing before the lookback, values right after it
    // (market features need the benchmark's own warm-up; cross-sectional ones their source's).
    for (std::size_t t = 0; t < std::min(spec.lookback, s.size()); ++t) {
      EXPECT_TRUE(std::isnan(s[t])) << spec.name << " has a value at bar " << t << " < lookback " << spec.lookback;
    }
    EXPECT_FALSE(std::isnan(s[spec.lookback])) << spec.name << " missing at its lookback";
    EXPECT_FALSE(std::isnan(s.back())) << spec.name;
    if (spec.kind == FeatureKind::CrossSectional) {
      EXPECT_TRUE(std::ranges::all_of(m.series(spec.id, spy), [](float v) { return std::isnan(v); }))
          << spec.name << ": the benchmark is not part of the universe";
    }
  }
  // Ranks lie in [0, 1]; breadth is a share.
  for (std::size_t i = 0; i < m.num_tickers(); ++i) {
    for (float v : m.series(kCsRankRet20d, i)) {
      if (!std::isnan(v)) {
        EXPECT_TRUE(v >= 0 && v <= 1) << v;
      }
    }
  }
  EXPECT_FLOAT_EQ(m.at(kMktRet20, aapl, m.num_dates() - 1), m.at(kRet20d, spy, m.num_dates() - 1));
}

TEST(FeaturePipeline, ShortGapsAreBridgedLongGapsRestartAndMissingDaysAreNaN) {
  // Two tickers on 400 weekdays; B misses 2 days at 300 (bridged) and 10 days from 100
  // (restart).
  std::vector<store::TickerSeries> series{{.symbol = "A", .sector = "", .bars = {}, .actions = {}},
                                          {.symbol = "B", .sector = "", .bars = {}, .actions = {}}};
  core::Date date = core::Date::from_ymd(2020, 1, 6);
  for (std::size_t t = 0; t < 400; ++t) {
    const double p = 100 + 10 * std::sin(static_cast<double>(t) / 7.0);
    series[0].bars.push_back({date, p, p + 1, p - 1, p, p, 1000});
    const bool missing = (t >= 100 && t < 110) || t == 300 || t == 301;
    if (!missing) series[1].bars.push_back({date, p, p + 2, p - 2, p, p, 2000});
    date = date + (date.weekday() == 4 ? 3 : 1);
  }
  const auto panel = store::Panel::build(series);
  const FeatureMatrix m = compute_features(panel, {.benchmark = "A"});
  const auto sma20 = m.series(kSmaRatio20, 1);
  EXPECT_FALSE(std::isnan(sma20[99]));
  EXPECT_TRUE(std::isnan(sma20[105]));   // missing day
  EXPECT_TRUE(std::isnan(sma20[110]));   // restarted: 19 more bars of warm-up
  EXPECT_TRUE(std::isnan(sma20[128]));
  EXPECT_FALSE(std::isnan(sma20[129]));
  EXPECT_TRUE(std::isnan(sma20[300]));   // missing day
  EXPECT_FALSE(std::isnan(sma20[302]));  // bridged
  // Across the bridged gap the 1-day return covers the days in between.
  const auto& bars = series[1].bars;
  const auto after = std::ranges::find_if(bars, [&](const store::Bar& b) { return b.date == panel.dates()[302]; });
  ASSERT_NE(after, bars.end());
  EXPECT_FLOAT_EQ(m.at(kRet1d, 1, 302), static_cast<float>(after->close / (after - 1)->close - 1));
}

// Each bar's benchmark return is taken from the per-date series when the bar follows the
// previous one by a day; after missing dates it must still be the return since the previous
// bar, not the day's. Bit for bit, as the direct quotient gives it, on every ticker.
TEST(FeaturePipeline, BenchmarkReturnSinceThePreviousBarSpansMissingDates) {
  const auto panel = store::Panel::build(sample_series_with_gappy_ticker());
  const FeatureOptions options;
  const auto benchmark_index = panel.ticker_index(options.benchmark);
  ASSERT_TRUE(benchmark_index.has_value());
  const BenchmarkSeries benchmark(panel, benchmark_index);
  std::size_t after_gaps = 0;
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    const TickerBars bars = extract_bars(panel, i, benchmark);
    ASSERT_EQ(bars.benchmark_log_return.size(), bars.size());
    if (bars.size() == 0) continue;
    EXPECT_TRUE(std::isnan(bars.benchmark_log_return[0]));
    for (std::size_t k = 1; k < bars.size(); ++k) {
      const double expected = vector_log(bars.benchmark_close[k] / bars.benchmark_close[k - 1]);
      EXPECT_EQ(std::memcmp(&expected, &bars.benchmark_log_return[k], sizeof expected), 0)
          << panel.tickers()[i] << " bar " << k << ": " << bars.benchmark_log_return[k] << " vs " << expected;
      after_gaps += bars.date_index[k] > bars.date_index[k - 1] + 1 ? 1 : 0;
    }
  }
  EXPECT_GT(after_gaps, 0u);  // the gappy ticker's bar after its gap
}

// compute_time_series must write every time-series cell of every bar: the pipeline reuses one
// buffer across tickers without clearing it, so a cell left unwritten would carry the previous
// ticker's value. Filled with a sentinel first, no time-series row may keep it — on every
// sample ticker and on one whose runs restart after a long gap and start with a flat bar.
TEST(FeaturePipeline, TimeSeriesComputationWritesEveryCellOfEveryBar) {
  const auto panel = store::Panel::build(sample_series_with_gappy_ticker());
  constexpr double kSentinel = 123456.789;
  const FeatureOptions options;
  const PanelCalendar calendar(panel.dates());
  const BenchmarkSeries benchmark(panel, panel.ticker_index(options.benchmark));
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    const TickerBars bars = extract_bars(panel, i, benchmark);
    std::vector<double> out(kFeatureCount * bars.size(), kSentinel);
    compute_time_series(bars, calendar, options.max_gap, out);
    for (const FeatureSpec& spec : feature_specs()) {
      if (spec.kind != FeatureKind::TimeSeries) continue;
      for (std::size_t k = 0; k < bars.size(); ++k) {
        ASSERT_NE(out[spec.id * bars.size() + k], kSentinel)
            << panel.tickers()[i] << " " << spec.name << " bar " << k << " left unwritten";
      }
    }
  }
}

// The kernels' work arrays are left uninitialised (features/kernel_scratch.hpp): a kernel that
// read an element before writing it would give values that depend on what the memory last
// held. With every work array filled with a poison value instead, each feature of every ticker
// and date must come out bit for bit the same. Two poisons of opposite sign and NaN, so that
// neither a max, nor a min, nor a NaN test can hide such a read.
TEST(FeaturePipeline, KernelsNeverReadAWorkArrayElementBeforeWritingIt) {
  const auto panel = store::Panel::build(sample_series_with_gappy_ticker());
  const FeatureMatrix plain = compute_features(panel, {});
  const std::size_t plane = plain.num_tickers() * plain.num_dates();
  // Poisons only this test's computations, even if one throws.
  struct Poisoned {
    explicit Poisoned(double value) { set_kernel_scratch_poison(value); }
    ~Poisoned() { set_kernel_scratch_poison(std::nullopt); }
    Poisoned(const Poisoned&) = delete;
    Poisoned& operator=(const Poisoned&) = delete;
  };
  for (double poison : {7.25e77, -7.25e77, std::numeric_limits<double>::quiet_NaN()}) {
    const FeatureMatrix poisoned = [&] {
      const Poisoned scope(poison);
      return compute_features(panel, {});
    }();
    ASSERT_EQ(poisoned.values.size(), plain.values.size());
    for (std::size_t c = 0; c < plain.values.size(); ++c) {
      ASSERT_TRUE(same_value(poisoned.values[c], plain.values[c]))
          << "poison " << poison << " changed " << plain.names[c / plane] << " of "
          << plain.tickers[(c % plane) / plain.num_dates()] << " on date index " << c % plain.num_dates();
    }
  }
}

// Point in time: every feature (cross-sectional and market ones included) computed on the
// sample truncated after day t equals the full computation on every day <= t, bit for bit.
TEST(FeaturePipeline, TruncatingTheFutureChangesNoPastValue) {
  const auto series = sample_series();
  const auto full_panel = store::Panel::build(series);
  const FeatureMatrix full = compute_features(full_panel, {});
  std::mt19937_64 rng(20240601);
  std::uniform_int_distribution<std::size_t> pick(300, full.num_dates() - 2);
  for (int cut = 0; cut < 4; ++cut) {
    const std::size_t t = pick(rng);
    const core::Date last = full.dates[t];
    std::vector<store::TickerSeries> truncated = series;
    for (auto& s : truncated) std::erase_if(s.bars, [&](const store::Bar& b) { return b.date > last; });
    const FeatureMatrix part = compute_features(store::Panel::build(truncated), {});
    ASSERT_EQ(part.num_dates(), t + 1);
    ASSERT_EQ(part.tickers, full.tickers);
    std::size_t compared = 0;
    for (std::size_t f = 0; f < full.num_features(); ++f) {
      for (std::size_t i = 0; i < full.num_tickers(); ++i) {
        const auto a = full.series(f, i);
        const auto b = part.series(f, i);
        for (std::size_t d = 0; d <= t; ++d) {
          if (!same_value(a[d], b[d])) {
            ADD_FAILURE() << full.names[f] << " " << full.tickers[i] << " " << full.dates[d].to_string()
                          << ": " << a[d] << " with the future, " << b[d] << " without (cut "
                          << last.to_string() << ")";
            return;
          }
          compared += std::isnan(a[d]) ? 0 : 1;
        }
      }
    }
    EXPECT_GT(compared, 100000u);
  }
}

// Research may start two years before the first stock bar (store/research_span.hpp): on the
// sample with its stocks cut to start in 2013 and the benchmarks kept from 2010, every value of
// every stock row, market and cross-sectional features included, is the same bit for bit.
TEST(FeaturePipeline, StartingResearchBeforeTheFirstStockLeavesEveryStockValueAlone) {
  auto series = sample_series();
  const core::Date stocks_from = core::Date::from_ymd(2013, 1, 2);
  for (auto& s : series) {
    if (s.sector != "Benchmark") std::erase_if(s.bars, [&](const store::Bar& b) { return b.date < stocks_from; });
  }
  const auto whole = store::Panel::build(series);
  const std::size_t start = store::research_start(whole, "SPY", "Benchmark");
  const std::size_t first_stock = *whole.date_index(stocks_from);
  ASSERT_EQ(start, first_stock - store::kResearchWarmupSessions);
  const auto late = store::research_panel(whole, "SPY", "Benchmark");
  ASSERT_EQ(late.num_dates(), whole.num_dates() - start);
  EXPECT_EQ(late.dates().front(), whole.dates()[start]);
  EXPECT_FALSE(late.whole());

  const FeatureMatrix full = compute_features(whole, {});
  const FeatureMatrix part = compute_features(late, {});
  std::size_t compared = 0;
  for (std::size_t i = 0; i < full.num_tickers(); ++i) {
    if (series[i].sector == "Benchmark") continue;
    for (std::size_t f = 0; f < full.num_features(); ++f) {
      const auto a = full.series(f, i);
      const auto b = part.series(f, i);
      for (std::size_t d = 0; d < part.num_dates(); ++d) {
        if (!same_value(a[start + d], b[d])) {
          ADD_FAILURE() << full.names[f] << " " << full.tickers[i] << " " << part.dates[d].to_string() << ": "
                        << a[start + d] << " on the whole panel, " << b[d] << " from " << late.dates().front().to_string();
          return;
        }
        compared += std::isnan(b[d]) ? 0 : 1;
      }
      // Nothing before the research start was anything but empty.
      for (std::size_t d = 0; d < start; ++d) ASSERT_TRUE(std::isnan(a[d])) << full.names[f] << " " << full.tickers[i];
    }
  }
  EXPECT_GT(compared, 1'000'000u);
  // The warm-up is what keeps them: starting 30 sessions early, the benchmark's 60-day
  // volatility (mkt_rv_60) on a stock's first days reads a short window.
  const std::size_t short_start = store::research_start(whole, "SPY", "Benchmark", 30);
  const FeatureMatrix hurried = compute_features(store::research_panel(whole, "SPY", "Benchmark", 30), {});
  ASSERT_TRUE(full.feature_index("mkt_rv_60") && whole.ticker_index("AAPL"));
  const std::size_t rv60 = *full.feature_index("mkt_rv_60");
  const std::size_t aapl = *whole.ticker_index("AAPL");
  std::size_t differing = 0;
  for (std::size_t d = 0; d < hurried.num_dates(); ++d) {
    differing += same_value(full.series(rv60, aapl)[short_start + d], hurried.series(rv60, aapl)[d]) ? 0 : 1;
  }
  EXPECT_GT(differing, 0u);
  // A panel of benchmarks only, or stocks from the first date, is not cut.
  EXPECT_EQ(store::research_start(store::Panel::build(sample_series()), "SPY", "Benchmark"), 0u);
}

}  // namespace
}  // namespace kestrel::features
