// Metrics against values computed independently by tests/evaluation/make_metric_fixture.py
// (plain Python, other algorithms: pairwise AUC, explicit ranks).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "evaluation/metrics.hpp"
#include "evaluation/scored_samples.hpp"

namespace kestrel::evaluation {
namespace {

const std::vector<float> kLabels{1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1};
const std::vector<float> kScores{0.9F, 0.2F, 0.6F, 0.6F, 0.6F, 0.4F, 0.3F, 0.7F, 0.8F, 0.55F, 0.1F, 0.5F};

TEST(Metrics, ClassificationMatchesIndependentValues) {
  const auto m = classification_metrics(kLabels, kScores);
  EXPECT_EQ(m.samples, 12u);
  EXPECT_NEAR(m.accuracy, 0.6666666666666666, 1e-12);
  EXPECT_NEAR(m.balanced_accuracy, 0.6571428571428571, 1e-12);
  EXPECT_NEAR(m.auc, 0.7142857142857143, 1e-12);  // three scores tie at 0.6
  EXPECT_NEAR(m.mcc, 0.3142857142857143, 1e-12);
  EXPECT_NEAR(m.log_loss, 0.5670587939236363, 1e-6);  // float scores
  EXPECT_NEAR(m.positive_rate, 7.0 / 12.0, 1e-12);
}

TEST(Metrics, ConstantScoreIsChance) {
  const std::vector<float> constant(kLabels.size(), 0.7F);
  const auto m = classification_metrics(kLabels, constant);
  EXPECT_DOUBLE_EQ(m.auc, 0.5);
  EXPECT_DOUBLE_EQ(m.mcc, 0.0);  // one predicted class: undefined, reported as 0 like sklearn
  EXPECT_NEAR(m.accuracy, 7.0 / 12.0, 1e-12);
  EXPECT_NEAR(m.balanced_accuracy, 0.5, 1e-12);
}

TEST(Metrics, AucOfOneClassIsNaN) {
  const std::vector<float> ones(4, 1.0F);
  const std::vector<float> s{0.1F, 0.2F, 0.3F, 0.4F};
  EXPECT_TRUE(std::isnan(roc_auc(ones, s)));
}

TEST(Metrics, InformationCoefficientsMatchIndependentValues) {
  const std::vector<std::uint32_t> date{0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
  const std::vector<float> scores{0.1F, 0.4F, 0.35F, 0.8F, 0.5F, 0.3F, 0.3F, 0.9F, 0.2F, 0.6F};
  const std::vector<float> returns{-0.01F, 0.002F, 0.004F, 0.02F, -0.003F, 0.01F, -0.02F, 0.015F, 0.0F, 0.005F};
  const auto ic = information_coefficients(date, scores, returns);
  EXPECT_EQ(ic.dates, 2u);
  EXPECT_NEAR(ic.ic, 0.7330640666243041, 1e-6);
  EXPECT_NEAR(ic.icir, 3.212102772933542, 1e-4);
  EXPECT_NEAR(ic.rank_ic, 0.6334429644276751, 1e-9);  // ranks are exact in float
  EXPECT_NEAR(ic.rank_icir, 13.393304789424006, 1e-6);
}

TEST(Metrics, DatesWithTooFewNamesAreSkipped) {
  const std::vector<std::uint32_t> date{0, 0, 0};
  const std::vector<float> scores{0.1F, 0.2F, 0.3F};
  const std::vector<float> returns{0.01F, 0.02F, 0.03F};
  const auto ic = information_coefficients(date, scores, returns, 5);
  EXPECT_EQ(ic.dates, 0u);
  EXPECT_TRUE(std::isnan(ic.ic));
}

TEST(Metrics, AverageRanksShareTies) {
  const std::vector<double> x{3, 1, 3, 2};
  EXPECT_EQ(average_ranks(x), (std::vector<double>{3.5, 1, 3.5, 2}));
}

TEST(ScoredSamples, TablesGroupByFoldYearAndStock) {
  const std::vector<core::Date> dates{core::Date::from_ymd(2018, 12, 31), core::Date::from_ymd(2019, 1, 2)};
  const std::vector<std::string> tickers{"AAA", "BBB"};
  std::vector<ScoredSample> samples;
  for (std::uint32_t t = 0; t < 2; ++t) {
    for (std::uint32_t i = 0; i < 2; ++i) {
      samples.push_back({.ticker = i, .t = t, .fold = t, .label = 1.0F, .score = i == 0 ? 0.9F : 0.1F,
                         .forward_return = 0.01F});
    }
  }
  const auto table = metric_table(samples, dates, tickers);
  EXPECT_EQ(table.overall.classification.samples, 4u);
  ASSERT_EQ(table.per_year.size(), 2u);
  EXPECT_EQ(table.per_year[0].group, "2018");
  ASSERT_EQ(table.per_stock.size(), 2u);
  EXPECT_EQ(table.per_stock[0].group, "AAA");
  EXPECT_DOUBLE_EQ(table.per_stock[0].classification.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(table.per_stock[1].classification.accuracy, 0.0);
  ASSERT_EQ(table.per_fold.size(), 2u);

  // A model right on AAA only, against a baseline wrong on both: beats it on half the stocks.
  auto baseline = samples;
  for (auto& s : baseline) s.score = 0.1F;
  const auto base_table = metric_table(baseline, dates, tickers);
  EXPECT_DOUBLE_EQ(share_of_stocks_beaten(table, base_table, 1), 0.5);
  const auto c = compare_per_stock(table, base_table, 1);
  EXPECT_EQ(c.compared, 2u);
  EXPECT_EQ(c.wins, 1u);   // AAA: 1.0 against 0.0
  EXPECT_EQ(c.losses, 0u);
  EXPECT_EQ(c.ties, 1u);   // BBB: both wrong
  EXPECT_DOUBLE_EQ(c.p_value, 1.0);  // one decided stock proves nothing
  EXPECT_EQ(compare_per_stock(table, base_table, 3).compared, 0u);  // too few samples per stock
}

TEST(SignTest, ExactBinomialTailsBothSides) {
  EXPECT_NEAR(sign_test_p_value(8, 10), 112.0 / 1024, 1e-12);  // 2 × (C(10,8) + C(10,9) + C(10,10)) / 2^10
  EXPECT_NEAR(sign_test_p_value(2, 10), 112.0 / 1024, 1e-12);  // symmetric
  EXPECT_NEAR(sign_test_p_value(15, 20), 2 * 21700.0 / 1048576, 1e-12);
  EXPECT_DOUBLE_EQ(sign_test_p_value(5, 10), 1.0);
  EXPECT_DOUBLE_EQ(sign_test_p_value(0, 0), 1.0);
  EXPECT_LT(sign_test_p_value(1000, 1500), 1e-30);  // 1,500 stocks: no overflow, vanishingly small
  EXPECT_GT(sign_test_p_value(1000, 1500), 0.0);
}

}  // namespace
}  // namespace kestrel::evaluation
