// Model scores in the observation: where they go, what a missing score looks like, and errors
// that name the file, line and field.
#include <gtest/gtest.h>

#include "rl/price_observations.hpp"
#include "rl/score_observations.hpp"
#include "store/csv_folder.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::rl {
namespace {

TEST(ScoreObservations, ScoresLandOnTheirDayAndTickerWithAPresenceFlag) {
  const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  const std::vector<std::size_t> universe = {*panel.ticker_index("AAPL"), *panel.ticker_index("XOM")};
  const kestrel::testing::TempDir dir;
  kestrel::testing::write_file(dir / "m.csv",
                               "date,ticker,score\n2019-12-30,AAPL,0.6\n2019-12-31,XOM,0.45\n2019-12-31,SPY,0.9\n");
  auto scored = append_scores(panel, universe, price_observations(panel, universe), {dir / "m.csv"});
  ASSERT_TRUE(scored) << scored.error().message;
  ASSERT_EQ(scored->features.count, 6u);
  ASSERT_EQ(scored->score_columns, std::vector<std::size_t>{4});
  const std::size_t t30 = *panel.date_index(*core::Date::parse("2019-12-30"));
  const std::size_t t31 = t30 + 1;
  EXPECT_EQ(scored->first_scored_day, t30);
  EXPECT_EQ(scored->last_scored_day, t31);
  auto at = [&](std::size_t t, std::size_t k, std::size_t c) { return scored->features.values[(t * 2 + k) * 6 + c]; };
  EXPECT_FLOAT_EQ(at(t30, 0, 4), 1.0f);   // (0.6 − 0.5) × 10
  EXPECT_FLOAT_EQ(at(t30, 0, 5), 1.0f);
  EXPECT_FLOAT_EQ(at(t30, 1, 4), 0.0f);   // XOM has no score on the 30th: 0, flagged absent
  EXPECT_FLOAT_EQ(at(t30, 1, 5), 0.0f);
  EXPECT_FLOAT_EQ(at(t31, 1, 4), -0.5f);
  const auto prices = price_observations(panel, universe);
  EXPECT_FLOAT_EQ(at(t31, 1, 2), prices.values[(t31 * 2 + 1) * 4 + 2]) << "the price columns come first, unchanged";
}

TEST(ScoreObservations, BadRowsNameTheFileLineAndField) {
  const store::Panel panel = *store::load_csv_panel(KESTREL_SAMPLE_DATA);
  const std::vector<std::size_t> universe = {*panel.ticker_index("AAPL")};
  const kestrel::testing::TempDir dir;
  auto error_of = [&](const std::string& text) {
    kestrel::testing::write_file(dir / "bad.csv", text);
    auto r = append_scores(panel, universe, price_observations(panel, universe), {dir / "bad.csv"});
    return r ? std::string("no error") : r.error().message;
  };
  {
    const std::string e = error_of("date,ticker,score\n2019-12-30,AAPL,1.5\n");
    EXPECT_NE(e.find("bad.csv:2: field score: not a probability"), std::string::npos) << e;
  }
  EXPECT_NE(error_of("date,ticker,score\n2019-13-30,AAPL,0.5\n").find("bad.csv:2: field date"), std::string::npos);
  EXPECT_NE(error_of("date,ticker,prob\n").find("bad.csv:1: expected the header date,ticker,score"), std::string::npos);
  EXPECT_NE(error_of("date,ticker,score\n2019-12-30,AAPL,0.5\n2019-12-30,AAPL,0.6\n").find("bad.csv:3: a second score"),
            std::string::npos);
  EXPECT_NE(error_of("date,ticker,score\n2019-12-30,ZZZZ,0.5\n").find("no score for any ticker"), std::string::npos);
}

}  // namespace
}  // namespace kestrel::rl
