#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"
#include "test_data.hpp"

namespace kestrel::dataset {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Fixture {
  store::Panel panel = testing::panel_from_closes({{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {10, 9, 8, 7, 6, 5, 4, 3, 2, 1}});
  features::FeatureMatrix matrix = testing::indexed_matrix(panel, 3);
  Labels labels = *make_labels(panel, {.kind = LabelKind::Direction, .horizon = 1});
};

TEST(TabularView, RowsAreTickerDaysWithLabelsInDateOrder) {
  Fixture fx;
  const auto view = TabularView::make(fx.matrix, fx.labels, {2, 20});
  ASSERT_TRUE(view) << view.error().message;
  // Dates 2..8 are labeled (date 9 has no tomorrow): 7 dates x 2 tickers.
  ASSERT_EQ(view->size(), 14u);
  EXPECT_EQ(view->samples()[0], (SampleKey{0, 2}));
  EXPECT_EQ(view->samples()[1], (SampleKey{1, 2}));
  EXPECT_EQ(view->samples()[13], (SampleKey{1, 8}));
  const auto batch = view->materialise_all();
  EXPECT_FALSE(batch.is_sequence);
  ASSERT_EQ(batch.x.size(), 14u * 3u);
  // Row 1 = ticker 1, date 2: features 12, 1012, 2012; label down (9 -> 8).
  EXPECT_EQ(batch.x[3], 12.0f);
  EXPECT_EQ(batch.x[4], 1012.0f);
  EXPECT_EQ(batch.x[5], 2012.0f);
  EXPECT_EQ(batch.y[1], 0.0f);
  EXPECT_EQ(batch.y[0], 1.0f);
}

TEST(TabularView, NanPoliciesAndColumnSelection) {
  Fixture fx;
  fx.matrix.series(1, 0)[4] = kNaN;
  const auto keep = TabularView::make(fx.matrix, fx.labels, {4, 5}, {.nan_policy = NanPolicy::Keep});
  const auto drop = TabularView::make(fx.matrix, fx.labels, {4, 5}, {.nan_policy = NanPolicy::DropRow});
  const auto zero = TabularView::make(fx.matrix, fx.labels, {4, 5}, {.nan_policy = NanPolicy::Zero, .columns = {1}});
  const auto only_clean = TabularView::make(fx.matrix, fx.labels, {4, 5}, {.nan_policy = NanPolicy::DropRow, .columns = {2, 0}});
  ASSERT_TRUE(keep && drop && zero && only_clean);
  ASSERT_EQ(keep->size(), 2u);
  EXPECT_TRUE(std::isnan(keep->materialise_all().x[1]));
  ASSERT_EQ(drop->size(), 1u);
  EXPECT_EQ(drop->samples()[0].ticker, 1u);
  const auto z = zero->materialise_all();
  ASSERT_EQ(z.num_features, 1u);
  EXPECT_EQ(z.x[0], 0.0f);
  EXPECT_EQ(z.x[1], 1014.0f);
  ASSERT_EQ(only_clean->size(), 2u);  // the NaN is in a column not selected
  EXPECT_EQ(only_clean->materialise_all().x[0], 2004.0f);
  EXPECT_FALSE(TabularView::make(fx.matrix, fx.labels, {0, 5}, {.columns = {3}}));
}

TEST(TabularView, RejectsLabelsFromAnotherPanel) {
  Fixture fx;
  const auto other = testing::panel_from_closes({{1, 2, 3}});
  const auto labels = make_labels(other, {});
  ASSERT_TRUE(labels);
  EXPECT_FALSE(TabularView::make(fx.matrix, *labels, {0, 3}));
}

TEST(SequenceView, WindowsIndexIntoTheMatrixOldestFirst) {
  Fixture fx;
  const auto view = SequenceView::make(fx.matrix, fx.labels, {0, 10}, 4);
  ASSERT_TRUE(view) << view.error().message;
  // Windows need dates t-3..t, so t starts at 3; labels end at 8: 6 dates x 2 tickers.
  ASSERT_EQ(view->size(), 12u);
  EXPECT_EQ(view->samples()[0], (SampleKey{0, 3}));
  const std::vector<std::size_t> ids{3, 0};  // ticker 1 at date 4, ticker 0 at date 3
  const auto batch = view->materialise(ids);
  EXPECT_TRUE(batch.is_sequence);
  ASSERT_EQ(batch.size, 2u);
  EXPECT_EQ(batch.seq_len, 4u);
  ASSERT_EQ(batch.num_features, 3u);
  ASSERT_EQ(batch.x.size(), 2u * 4u * 3u);
  auto x = [&](std::size_t b, std::size_t s, std::size_t f) { return batch.x[(b * 4 + s) * 3 + f]; };
  EXPECT_EQ(x(0, 0, 0), 11.0f);    // ticker 1, date 1
  EXPECT_EQ(x(0, 3, 0), 14.0f);    // ticker 1, date 4 (the sample's own date last)
  EXPECT_EQ(x(0, 3, 2), 2014.0f);
  EXPECT_EQ(x(1, 0, 1), 1000.0f);  // ticker 0, date 0
  EXPECT_EQ(batch.y[0], 0.0f);
  EXPECT_EQ(batch.y[1], 1.0f);
  EXPECT_EQ(batch.keys[0], (SampleKey{1, 4}));
}

TEST(SequenceView, LastDayOnlyIsTheWindowsFinalStep) {
  Fixture fx;
  fx.matrix.series(1, 0)[4] = kNaN;  // the NaN policy applies to the last day too
  for (const auto policy : {NanPolicy::Keep, NanPolicy::Zero}) {
    const auto view = SequenceView::make(fx.matrix, fx.labels, {0, 10}, 4, {.nan_policy = policy});
    ASSERT_TRUE(view) << view.error().message;
    std::vector<std::size_t> ids(view->size());
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = ids.size() - 1 - i;
    const auto windows = view->materialise(ids);
    const auto last = view->materialise_last(ids);
    EXPECT_FALSE(last.is_sequence);
    ASSERT_EQ(last.size, ids.size());
    ASSERT_EQ(last.x.size(), ids.size() * 3);
    for (std::size_t b = 0; b < ids.size(); ++b) {
      for (std::size_t f = 0; f < 3; ++f) {
        const float w = windows.x[(b * 4 + 3) * 3 + f];
        const float l = last.x[b * 3 + f];
        EXPECT_TRUE(w == l || (std::isnan(w) && std::isnan(l))) << b << "," << f;
      }
    }
    EXPECT_EQ(last.y, windows.y);
    EXPECT_EQ(last.keys, windows.keys);
  }
}

TEST(SequenceView, WindowMayReachBeforeTheRangeAndDropRowChecksTheWholeWindow) {
  Fixture fx;
  fx.matrix.series(2, 0)[5] = kNaN;
  const auto all = SequenceView::make(fx.matrix, fx.labels, {6, 9}, 3);
  const auto drop = SequenceView::make(fx.matrix, fx.labels, {6, 9}, 3, {.nan_policy = NanPolicy::DropRow});
  const auto zero = SequenceView::make(fx.matrix, fx.labels, {6, 9}, 3, {.nan_policy = NanPolicy::Zero});
  ASSERT_TRUE(all && drop && zero);
  ASSERT_EQ(all->size(), 6u);  // dates 6, 7, 8; windows start at 4, 5, 6 (before the range)
  // Ticker 0's windows ending at 6 and 7 contain date 5: dropped; the one ending at 8 is kept.
  ASSERT_EQ(drop->size(), 4u);
  EXPECT_EQ(drop->samples()[2], (SampleKey{0, 8}));
  const auto z = zero->materialise_range(0, 1);  // ticker 0 at date 6: dates 4, 5, 6
  EXPECT_EQ(z.x[1 * 3 + 2], 0.0f);
  EXPECT_EQ(z.x[0 * 3 + 2], 2004.0f);
  EXPECT_FALSE(SequenceView::make(fx.matrix, fx.labels, {0, 9}, 0));
}

}  // namespace
}  // namespace kestrel::dataset
