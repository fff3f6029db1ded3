// The TA-Lib kernels against TA-Lib itself: fixtures/talib_<TICKER>.csv hold TA-Lib's output
// for the last bars of a few sample tickers (written by talib/generate_fixtures.js from
// npm talib 2.0.5). Every value after TA-Lib's warm-up must agree to 1e-9 relative, and the
// warm-up must be NaN exactly where TA-Lib gives no value.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "features/ta_kernels.hpp"
#include "store/csv_folder.hpp"
#include "store/panel.hpp"

namespace kestrel::features {
namespace {

struct Fixture {
  std::vector<std::string> dates;
  std::map<std::string, std::vector<double>> columns;  // NaN where TA-Lib has no value
};

Fixture read_fixture(const std::string& ticker) {
  const auto path = std::filesystem::path(KESTREL_SOURCE_DIR) / "tests/features/fixtures" / ("talib_" + ticker + ".csv");
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  {
    std::stringstream header(line);
    std::string cell;
    while (std::getline(header, cell, ',')) names.push_back(cell);
  }
  Fixture fixture;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = line.find(',', start);
      cells.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    EXPECT_EQ(cells.size(), names.size()) << line;
    fixture.dates.push_back(cells[0]);
    for (std::size_t c = 1; c < names.size() && c < cells.size(); ++c) {
      fixture.columns[names[c]].push_back(cells[c].empty() ? std::nan("") : std::stod(cells[c]));
    }
  }
  return fixture;
}

// The same adjusted bars as the generator: the ticker's own panel, last `count` bars.
struct Bars {
  std::vector<std::string> dates;
  std::vector<double> open, high, low, close, volume;
};

Bars sample_bars(const std::string& ticker, std::size_t count) {
  auto series = store::read_csv_folder(KESTREL_SAMPLE_DATA);
  EXPECT_TRUE(series) << (series ? "" : series.error().message);
  std::vector<store::TickerSeries> one;
  for (auto& s : *series) {
    if (s.symbol == ticker) one.push_back(std::move(s));
  }
  EXPECT_EQ(one.size(), 1u);
  const auto panel = store::Panel::build(one);
  Bars bars;
  const std::size_t n = panel.num_dates();
  for (std::size_t t = n - std::min(count, n); t < n; ++t) {
    bars.dates.push_back(panel.dates()[t].to_string());
    bars.open.push_back(panel.adjusted(store::Field::Open, 0, t));
    bars.high.push_back(panel.adjusted(store::Field::High, 0, t));
    bars.low.push_back(panel.adjusted(store::Field::Low, 0, t));
    bars.close.push_back(panel.adjusted(store::Field::Close, 0, t));
    bars.volume.push_back(panel.adjusted(store::Field::Volume, 0, t));
  }
  return bars;
}

void expect_matches(const std::string& label, const std::vector<double>& ours, const std::vector<double>& talib) {
  ASSERT_EQ(ours.size(), talib.size()) << label;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) {
    if (std::isnan(talib[i])) {
      EXPECT_TRUE(std::isnan(ours[i])) << label << " bar " << i << ": TA-Lib has no value yet, ours " << ours[i];
      continue;
    }
    // The fixture keeps 15 significant digits; 1e-9 relative, with an absolute floor of
    // 1e-12 for values that are zero in TA-Lib's output.
    const double tolerance = std::max(1e-9 * std::fabs(talib[i]), 1e-12);
    EXPECT_NEAR(ours[i], talib[i], tolerance) << label << " bar " << i;
    ++compared;
  }
  EXPECT_GT(compared, ours.size() / 2) << label;
}

class TalibFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(TalibFixture, KernelsMatchTalibAfterWarmUp) {
  const std::string ticker = GetParam();
  const Fixture fixture = read_fixture(ticker);
  const Bars bars = sample_bars(ticker, fixture.dates.size());
  ASSERT_EQ(bars.dates, fixture.dates) << "the fixture was generated from other sample data";
  const std::size_t n = bars.close.size();
  auto col = [&](const std::string& name) {
    const auto it = fixture.columns.find(name);
    EXPECT_NE(it, fixture.columns.end()) << name;
    return it == fixture.columns.end() ? std::vector<double>(n) : it->second;
  };
  std::vector<double> a(n), b(n), c(n);

  ta::sma(bars.close, 20, a);
  expect_matches("SMA 20", a, col("sma_20"));
  ta::ema(bars.close, 20, a);
  expect_matches("EMA 20", a, col("ema_20"));
  ta::ema(bars.close, 50, a);
  expect_matches("EMA 50", a, col("ema_50"));
  ta::rsi(bars.close, 7, a);
  expect_matches("RSI 7", a, col("rsi_7"));
  ta::rsi(bars.close, 14, a);
  expect_matches("RSI 14", a, col("rsi_14"));
  ta::macd(bars.close, 12, 26, 9, a, b, c);
  expect_matches("MACD line", a, col("macd_line"));
  expect_matches("MACD signal", b, col("macd_signal"));
  expect_matches("MACD hist", c, col("macd_hist"));
  ta::bbands(bars.close, 20, 2.0, a, b, c);
  expect_matches("BBANDS upper", a, col("bb_upper"));
  expect_matches("BBANDS middle", b, col("bb_middle"));
  expect_matches("BBANDS lower", c, col("bb_lower"));
  ta::atr(bars.high, bars.low, bars.close, 14, a);
  expect_matches("ATR 14", a, col("atr_14"));
  ta::natr(bars.high, bars.low, bars.close, 14, a);
  expect_matches("NATR 14", a, col("natr_14"));
  ta::stoch(bars.high, bars.low, bars.close, 14, 3, 3, a, b);
  expect_matches("STOCH %K", a, col("stoch_k"));
  expect_matches("STOCH %D", b, col("stoch_d"));
  ta::willr(bars.high, bars.low, bars.close, 14, a);
  expect_matches("WILLR 14", a, col("willr_14"));
  ta::cci(bars.high, bars.low, bars.close, 20, a);
  expect_matches("CCI 20", a, col("cci_20"));
  ta::adx(bars.high, bars.low, bars.close, 14, a, b, c);
  expect_matches("ADX 14", a, col("adx_14"));
  expect_matches("PLUS_DI 14", b, col("plus_di_14"));
  expect_matches("MINUS_DI 14", c, col("minus_di_14"));
  ta::mfi(bars.high, bars.low, bars.close, bars.volume, 14, a);
  expect_matches("MFI 14", a, col("mfi_14"));
  ta::obv(bars.close, bars.volume, a);
  expect_matches("OBV", a, col("obv"));
}

// The feature set runs SMA, EMA, RSI and NATR for several periods side by side; each period's values
// must be those of its own one-period call, bit for bit, also where a period is longer than
// the series (all NaN) and where the periods are fewer than the unrolled width.
TEST(TaKernels, PeriodsSideBySideEqualOnePeriodCalls) {
  for (const std::size_t n : {std::size_t{150}, std::size_t{400}}) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = 100 + 10 * std::sin(0.11 * static_cast<double>(i)) + 0.01 * static_cast<double>(i % 7);
    }
    for (const std::vector<std::size_t>& periods :
         {std::vector<std::size_t>{5, 10, 20, 50, 100, 200}, std::vector<std::size_t>{7, 14, 28},
          std::vector<std::size_t>{14, 28}, std::vector<std::size_t>{30}}) {
      std::vector<std::vector<double>> together(periods.size(), std::vector<double>(n));
      std::vector<std::span<double>> outs(together.begin(), together.end());
      std::vector<double> alone(n);
      auto expect_same = [&](const char* kernel, std::size_t k) {
        for (std::size_t i = 0; i < n; ++i) {
          const double a = alone[i];
          const double b = together[k][i];
          ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b)
              << kernel << " period " << periods[k] << " n " << n << " bar " << i << ": " << a << " vs " << b;
        }
      };
      ta::sma(x, periods, outs);
      for (std::size_t k = 0; k < periods.size(); ++k) {
        ta::sma(x, periods[k], alone);
        expect_same("SMA", k);
      }
      ta::ema(x, periods, outs);
      for (std::size_t k = 0; k < periods.size(); ++k) {
        ta::ema(x, periods[k], alone);
        expect_same("EMA", k);
      }
      ta::rsi(x, periods, outs);
      for (std::size_t k = 0; k < periods.size(); ++k) {
        ta::rsi(x, periods[k], alone);
        expect_same("RSI", k);
      }
      std::vector<double> high(n);
      std::vector<double> low(n);
      for (std::size_t i = 0; i < n; ++i) {
        high[i] = x[i] * (1.01 + 0.002 * static_cast<double>(i % 5));
        low[i] = x[i] * (0.99 - 0.003 * static_cast<double>(i % 3));
      }
      ta::natr(high, low, x, periods, outs);
      for (std::size_t k = 0; k < periods.size(); ++k) {
        ta::natr(high, low, x, periods[k], alone);
        expect_same("NATR", k);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SampleTickers, TalibFixture, ::testing::Values("AAPL", "JPM", "XOM"));

}  // namespace
}  // namespace kestrel::features
