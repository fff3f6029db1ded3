#include "dataset/leak_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dataset/panel_truncation.hpp"
#include "features/feature_pipeline.hpp"
#include "test_data.hpp"

namespace kestrel::dataset {
namespace {

constexpr char kLeak[] = "planted_tomorrow_return";

// The real feature pipeline plus a planted look-ahead: tomorrow's adjusted return at t.
core::Result<features::FeatureMatrix> features_with_leak(const store::Panel& panel) {
  features::FeatureMatrix m = features::compute_features(panel, {});
  const std::size_t cells = m.num_tickers() * m.num_dates();
  m.names.push_back(kLeak);
  m.values.resize(m.values.size() + cells, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < m.num_tickers(); ++i) {
    const auto close = panel.series(store::Field::AdjClose, i);
    auto leak = m.series(m.num_features() - 1, i);
    for (std::size_t t = 0; t + 1 < m.num_dates(); ++t) leak[t] = static_cast<float>(close[t + 1] / close[t] - 1.0);
  }
  return m;
}

class LeakCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    panel_ = new store::Panel(testing::sample_panel());
    matrix_ = new features::FeatureMatrix(*features_with_leak(*panel_));
  }
  static void TearDownTestSuite() {
    delete matrix_;
    delete panel_;
  }
  static store::Panel* panel_;
  static features::FeatureMatrix* matrix_;
};
store::Panel* LeakCheck::panel_ = nullptr;
features::FeatureMatrix* LeakCheck::matrix_ = nullptr;

TEST_F(LeakCheck, AssociationCatchesTheLeakAndPassesRealFeatures) {
  for (auto kind : {LabelKind::Direction, LabelKind::Outperformance, LabelKind::ForwardReturn}) {
    const auto labels = make_labels(*panel_, {.kind = kind, .horizon = 1});
    ASSERT_TRUE(labels);
    const auto report = check_label_association(*matrix_, *labels, {.max_samples = 50'000});
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->flagged(), std::vector<std::string>{kLeak}) << labels->name;
    const auto& leak = report->features.back();
    EXPECT_GT(std::fabs(leak.rank_correlation), 0.5) << labels->name;
    if (labels->is_classification()) {
      EXPECT_GT(leak.auc, 0.8) << labels->name;
    }
    EXPECT_NE(leak.reason.find(labels->name), std::string::npos);
  }
}

// 0/1 labels are ranked by counting, other labels by sorting: the same label as 0/2 goes the
// sorting way, and every feature's rank correlation must come out bit for bit the same.
TEST_F(LeakCheck, BinaryLabelsRankByCountingAsBySorting) {
  const auto labels = make_labels(*panel_, {.kind = LabelKind::Direction, .horizon = 1});
  ASSERT_TRUE(labels);
  Labels spread = *labels;
  for (float& v : spread.values) v = v == 1.0f ? 2.0f : v;
  const auto counted = check_label_association(*matrix_, *labels, {.max_samples = 20'000});
  const auto sorted = check_label_association(*matrix_, spread, {.max_samples = 20'000});
  ASSERT_TRUE(counted && sorted);
  std::size_t compared = 0;
  for (std::size_t f = 0; f < counted->features.size(); ++f) {
    const double a = counted->features[f].rank_correlation;
    const double b = sorted->features[f].rank_correlation;
    if (std::isnan(a) && std::isnan(b)) continue;
    EXPECT_EQ(a, b) << counted->features[f].name;
    ++compared;
  }
  EXPECT_GT(compared, 90u);
}

TEST_F(LeakCheck, TruncationCatchesTheLeakAndPassesRealFeatures) {
  const auto report = check_truncation(*panel_, *matrix_, features_with_leak, {.cut_points = 2});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->cuts.size(), 2u);
  ASSERT_EQ(report->flagged(), std::vector<std::string>{kLeak});
  const auto& change = report->changes[0];
  EXPECT_EQ(change.date, change.cut);  // the value at the cut needed the day after it
  EXPECT_TRUE(std::isnan(change.truncated));
}

// On a sample of the universe (the benchmark always in it) the check still finds the leak,
// passes the real features — market and cross-sectional ones included, recomputed on the
// sample — and says how many tickers it recomputed.
TEST_F(LeakCheck, TruncationOnASampleOfTickersCatchesTheLeakAndPassesRealFeatures) {
  const auto report = check_truncation(*panel_, *matrix_, features_with_leak,
                                       {.cut_points = 2, .max_tickers = 6, .always_include = {"SPY"}});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->tickers_checked, 6u);
  EXPECT_EQ(report->cuts.size(), 2u);
  EXPECT_EQ(report->flagged(), std::vector<std::string>{kLeak});
  std::size_t with_benchmark = 0;
  const auto sampled = [&](const store::Panel& p) -> core::Result<features::FeatureMatrix> {
    if (std::ranges::find(p.tickers(), "SPY") != p.tickers().end()) ++with_benchmark;
    EXPECT_EQ(p.num_tickers(), 6u);
    return features_with_leak(p);
  };
  ASSERT_TRUE(check_truncation(*panel_, *matrix_, sampled, {.cut_points = 2, .max_tickers = 6, .always_include = {"SPY"}}));
  EXPECT_EQ(with_benchmark, 3u);  // the sample's reference and both cuts
}

TEST(PanelTruncation, KeepsThePastExactlyIncludingSplitAdjustedVolume) {
  const auto panel = testing::sample_panel();
  const std::size_t cut = panel.num_dates() / 2;
  const auto truncated = truncate_panel(panel, cut);
  ASSERT_EQ(truncated.num_dates(), cut + 1);
  ASSERT_EQ(truncated.tickers(), panel.tickers());
  for (std::size_t i = 0; i < panel.num_tickers(); ++i) {
    for (std::size_t t = 0; t <= cut; t += 7) {
      for (auto field : {store::Field::Close, store::Field::AdjClose, store::Field::Volume}) {
        const double a = panel.adjusted(field, i, t);
        const double b = truncated.adjusted(field, i, t);
        if (std::isnan(a)) {
          EXPECT_TRUE(std::isnan(b));
        } else {
          EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::fabs(a))) << panel.tickers()[i] << " t=" << t;
        }
      }
    }
  }
}

}  // namespace
}  // namespace kestrel::dataset
