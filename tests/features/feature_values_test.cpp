// FeatureValues: every feature of the registry against values computed independently of
// Kestrel. tests/features/reference/feature_values.py (python3 + numpy/pandas, written from
// docs/features.md and TA-Lib's published algorithms, never calling Kestrel) reads the input
// files in fixtures/values/input/ and writes fixtures/values/expected.csv.gz: one row per
// (ticker, date) for a sample of dates that covers every warm-up edge of every run, the days
// around gaps and splits, missing days and the last dates. This test builds the panel from
// the same input files, runs compute_features and compares each feature with the fixture.
// See docs/testing.md ("Independent feature values") for how to regenerate the fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "features/feature_pipeline.hpp"
#include "features/feature_registry.hpp"
#include "store/csv_folder.hpp"
#include "store/panel.hpp"
#include "store/text_file.hpp"

namespace kestrel::features {

// Test names and failure messages show the feature's name, not the bytes of its spec.
static void PrintTo(const FeatureSpec& spec, std::ostream* os) { *os << spec.name; }

namespace {

const std::filesystem::path kValuesDir = std::filesystem::path(KESTREL_SOURCE_DIR) / "tests/features/fixtures/values";

// Tolerance: |kestrel - reference| <= kRelative * |reference| + kAbsolute, and NaN on one side
// must be NaN on the other. The feature matrix stores float32 (24-bit significand: a stored
// value is within 2^-24 ~ 6e-8 relative of the double Kestrel computed), and cross-sectional
// features are computed from the stored float32 values of their source, so a source value
// that rounds to the neighbouring float32 also moves a z-score by about |x| / sd of an ulp.
// Both sides compute in double with different algorithms (running sums vs direct windows),
// which adds ~1e-12 relative. 1e-6 relative is 8 to 16 float32 ulps: room for the rounding
// (the largest error measured is 0.06 of the tolerance, i.e. float32 rounding itself), while
// any formula error fails by orders of magnitude (a window shifted by one bar moves a value by
// ~1/n, 1e-2 to 1e-3 relative). The absolute floor is for values at or near zero (a flat
// return, a z-score near the mean), whose rounding error is set by their inputs' magnitude.
constexpr double kRelative = 1e-6;
constexpr double kAbsolute = 1e-7;

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return cells;
    start = comma + 1;
  }
}

struct Reference {
  std::vector<std::string> names;           // feature columns, in file order
  std::vector<std::size_t> ticker;          // per row: panel ticker index
  std::vector<std::size_t> date;            // per row: panel date index
  std::vector<std::string> label;           // per row: "TICKER YYYY-MM-DD"
  std::vector<std::vector<double>> values;  // [column][row], NaN where the cell is empty
  std::optional<std::size_t> column(std::string_view name) const {
    const auto it = std::ranges::find(names, name);
    return it == names.end() ? std::nullopt : std::optional<std::size_t>(it - names.begin());
  }
};

struct Loaded {
  std::optional<store::Panel> panel;
  FeatureMatrix matrix;
  Reference reference;
  std::string error;  // why the setup failed, empty when it did not
};

// Loads the inputs and the fixture once for all tests of this file.
const Loaded& loaded() {
  static const Loaded once = [] {
    Loaded s;
    auto series = store::read_csv_folder(kValuesDir / "input");
    if (!series) {
      s.error = series.error().message;
      return s;
    }
    s.panel = store::Panel::build(*series);
    s.matrix = compute_features(*s.panel, {});  // benchmark SPY, max_gap 5: the defaults

    const auto text = store::read_text_file(kValuesDir / "expected.csv.gz");
    if (!text) {
      s.error = text.error().message;
      return s;
    }
    std::string_view rest = *text;
    bool header = true;
    std::size_t line_number = 0;
    while (!rest.empty()) {
      const std::size_t end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      ++line_number;
      const auto cells = split(line);
      Reference& ref = s.reference;
      if (header) {
        if (cells.size() < 3 || cells[0] != "ticker" || cells[1] != "date") {
          s.error = "expected.csv.gz: the header must start with ticker,date";
          return s;
        }
        for (std::size_t c = 2; c < cells.size(); ++c) ref.names.emplace_back(cells[c]);
        ref.values.resize(ref.names.size());
        header = false;
        continue;
      }
      const std::string where = "expected.csv.gz line " + std::to_string(line_number);
      if (cells.size() != ref.names.size() + 2) {
        s.error = where + ": wrong number of cells";
        return s;
      }
      const auto ticker = s.panel->ticker_index(cells[0]);
      const auto date = core::Date::parse(cells[1]);
      const auto t = date ? s.panel->date_index(*date) : std::nullopt;
      if (!ticker || !t) {
        s.error = where + ": " + std::string(cells[0]) + " " + std::string(cells[1]) +
                  " is not in the panel of fixtures/values/input (fixture generated from other inputs?)";
        return s;
      }
      ref.ticker.push_back(*ticker);
      ref.date.push_back(*t);
      ref.label.push_back(std::string(cells[0]) + " " + std::string(cells[1]));
      for (std::size_t c = 0; c < ref.names.size(); ++c) {
        const std::string_view cell = cells[c + 2];
        double v = std::nan("");
        if (!cell.empty()) {
          const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), v);
          if (ec != std::errc{} || ptr != cell.data() + cell.size()) {
            s.error = where + ": bad number '" + std::string(cell) + "'";
            return s;
          }
        }
        ref.values[c].push_back(v);
      }
    }
    return s;
  }();
  return once;
}

TEST(FeatureValuesFixture, CoversEveryRegisteredFeature) {
  const Loaded& s = loaded();
  ASSERT_TRUE(s.error.empty()) << s.error;
  const Reference& ref = s.reference;
  std::set<std::string_view> registered;
  for (const FeatureSpec& spec : feature_specs()) {
    registered.insert(spec.name);
    const auto c = ref.column(spec.name);
    ASSERT_TRUE(c.has_value()) << spec.name << " has no reference values in fixtures/values/expected.csv.gz";
    // Values, not only NaN: every feature is compared somewhere after its warm-up.
    const auto finite = std::ranges::count_if(ref.values[*c], [](double v) { return !std::isnan(v); });
    EXPECT_GE(finite, 200) << spec.name;
  }
  for (const auto& name : ref.names) EXPECT_TRUE(registered.contains(name)) << name << " is not a registered feature";
  EXPECT_EQ(ref.names.size(), feature_specs().size());
  // The fixture spans every ticker of the inputs (the benchmark included).
  EXPECT_EQ(std::set<std::size_t>(ref.ticker.begin(), ref.ticker.end()).size(), s.panel->num_tickers());
}

class FeatureValues : public ::testing::TestWithParam<FeatureSpec> {};

TEST_P(FeatureValues, MatchesIndependentReference) {
  const Loaded& s = loaded();
  ASSERT_TRUE(s.error.empty()) << s.error;
  const FeatureSpec& spec = GetParam();
  const auto c = s.reference.column(spec.name);
  ASSERT_TRUE(c.has_value()) << spec.name << " has no reference values";
  const auto& expected = s.reference.values[*c];
  std::size_t compared = 0;
  std::size_t failures = 0;
  double worst = 0;  // largest |error| / tolerance
  std::ostringstream report;
  report.precision(9);
  for (std::size_t row = 0; row < expected.size(); ++row) {
    const double want = expected[row];
    const double got = s.matrix.at(spec.id, s.reference.ticker[row], s.reference.date[row]);
    bool ok = true;
    if (std::isnan(want) || std::isnan(got)) {
      ok = std::isnan(want) && std::isnan(got);  // NaN on one side must be NaN on the other
    } else {
      const double tolerance = kRelative * std::fabs(want) + kAbsolute;
      worst = std::max(worst, std::fabs(got - want) / tolerance);
      ok = std::fabs(got - want) <= tolerance;
      ++compared;
    }
    if (!ok && ++failures <= 10) {
      report << "\n  " << s.reference.label[row] << ": kestrel " << got << ", reference " << want;
    }
  }
  std::ostringstream tolerance;
  tolerance << kRelative << " relative + " << kAbsolute;
  EXPECT_EQ(failures, 0u) << spec.name << ": " << failures << " of " << expected.size()
                          << " values differ from the reference (tolerance " << tolerance.str()
                          << "; the first 10):" << report.str();
  EXPECT_GE(compared, 200u) << spec.name << ": too few values to compare";
  RecordProperty("compared", static_cast<int>(compared));
  RecordProperty("worst_error_over_tolerance", std::to_string(worst));
}

// No instantiation prefix: the tests are FeatureValues.MatchesIndependentReference/<feature>.
INSTANTIATE_TEST_SUITE_P(, FeatureValues, ::testing::ValuesIn(feature_specs().begin(), feature_specs().end()),
                         [](const ::testing::TestParamInfo<FeatureSpec>& param) {
                           return std::string(param.param.name);
                         });

}  // namespace
}  // namespace kestrel::features
