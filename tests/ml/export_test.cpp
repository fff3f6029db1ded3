// Tensor and DMatrix export: shapes and values survive the trip out of the dataset views.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "dataset/labels.hpp"
#include "dataset/sequence_view.hpp"
#include "dataset/tabular_view.hpp"
#include "ml_backends/dmatrix_export.hpp"
#include "ml_backends/tensor_export.hpp"
#include "store/panel.hpp"

namespace kestrel::ml {
namespace {

struct Fixture {
  Fixture() {
    std::vector<store::TickerSeries> series(2);
    for (std::size_t i = 0; i < 2; ++i) {
      series[i].symbol = i == 0 ? "UP" : "DOWN";
      core::Date date = core::Date::from_ymd(2024, 1, 1);
      for (int t = 0; t < 12; ++t) {
        const double c = i == 0 ? 10.0 + t : 30.0 - t;
        series[i].bars.push_back({date, c, c, c, c, c, 100});
        date = date + (date.weekday() == 4 ? 3 : 1);
      }
    }
    panel = std::make_unique<store::Panel>(store::Panel::build(series));
    matrix.names = {"a", "b", "c"};
    matrix.dates.assign(panel->dates().begin(), panel->dates().end());
    matrix.tickers = panel->tickers();
    matrix.values.resize(3 * 2 * 12);
    for (std::size_t j = 0; j < matrix.values.size(); ++j) matrix.values[j] = static_cast<float>(j);
    matrix.series(2, 1)[5] = std::numeric_limits<float>::quiet_NaN();
    labels = *dataset::make_labels(*panel, {.kind = dataset::LabelKind::Direction, .horizon = 1});
  }
  std::unique_ptr<store::Panel> panel;
  features::FeatureMatrix matrix;
  dataset::Labels labels;
};

TEST(TensorExport, TabularBatchIsNByFeatures) {
  Fixture fx;
  const auto view = dataset::TabularView::make(fx.matrix, fx.labels, {0, 12});
  ASSERT_TRUE(view);
  const auto batch = view->materialise_all();
  const auto expected = batch;
  const auto t = to_tensors(batch);
  ASSERT_EQ(t.x.sizes(), (std::vector<std::int64_t>{22, 3}));
  ASSERT_EQ(t.y.sizes(), (std::vector<std::int64_t>{22}));
  EXPECT_EQ(t.x.dtype(), torch::kFloat32);
  const auto x = t.x.accessor<float, 2>();
  for (std::int64_t r = 0; r < 22; ++r) {
    for (std::int64_t c = 0; c < 3; ++c) {
      const float want = expected.x[static_cast<std::size_t>(r * 3 + c)];
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(x[r][c]));
      } else {
        EXPECT_EQ(x[r][c], want);
      }
    }
    EXPECT_EQ(t.y[r].item<float>(), expected.y[static_cast<std::size_t>(r)]);
  }
}

TEST(TensorExport, SequenceBatchIsBatchBySeqByFeatures) {
  Fixture fx;
  const auto view = dataset::SequenceView::make(fx.matrix, fx.labels, {0, 12}, 5);
  ASSERT_TRUE(view);
  const std::vector<std::size_t> ids{0, 7, 3};
  const auto t = to_tensors(view->materialise(ids));
  ASSERT_EQ(t.x.sizes(), (std::vector<std::int64_t>{3, 5, 3}));
  // Sample 7 = ticker 1 ("DOWN") at date 7: its last step is date 7 and feature b there is
  // values[(1 * 2 + 1) * 12 + 7].
  const auto key = view->samples()[7];
  ASSERT_EQ(key.ticker, 1u);
  ASSERT_EQ(key.t, 7u);
  EXPECT_EQ(t.x[1][4][1].item<float>(), static_cast<float>((1 * 2 + 1) * 12 + 7));
  EXPECT_EQ(t.x[1][0][0].item<float>(), static_cast<float>((0 * 2 + 1) * 12 + 3));
  EXPECT_EQ(t.y[1].item<float>(), 0.0f);
  // The tensor owns its memory: it outlives the view's batch and can be reduced.
  EXPECT_TRUE(std::isnan(t.x.sum().item<float>()));  // DOWN's c at date 5 is NaN
}

TEST(DMatrixExport, RowsColumnsLabelsAndMissingValues) {
  Fixture fx;
  const auto view = dataset::TabularView::make(fx.matrix, fx.labels, {0, 12});
  ASSERT_TRUE(view);
  const auto batch = view->materialise_all();
  const auto dm = DMatrix::from_batch(batch, 1);
  ASSERT_TRUE(dm) << dm.error().message;
  EXPECT_EQ(dm->rows(), 22u);
  EXPECT_EQ(dm->cols(), 3u);
  bst_ulong n = 0;
  const float* labels = nullptr;
  ASSERT_EQ(XGDMatrixGetFloatInfo(dm->handle(), "label", &n, &labels), 0);
  ASSERT_EQ(n, 22u);
  for (std::size_t r = 0; r < n; ++r) EXPECT_EQ(labels[r], batch.y[r]);
  bst_ulong present = 0;
  ASSERT_EQ(XGDMatrixNumNonMissing(dm->handle(), &present), 0);
  EXPECT_EQ(present, 22u * 3u - 1u);  // the one NaN is missing, not a value
  std::vector<bst_ulong> indptr(23);
  std::vector<unsigned> indices(present);
  std::vector<float> data(present);
  ASSERT_EQ(XGDMatrixGetDataAsCSR(dm->handle(), "{}", indptr.data(), indices.data(), data.data()), 0);
  for (std::size_t r = 0; r < 22; ++r) {
    for (bst_ulong k = indptr[r]; k < indptr[r + 1]; ++k) EXPECT_EQ(data[k], batch.x[r * 3 + indices[k]]);
  }
}

// XGBoost training reads the rows in chunks (here 5 at a time, the last short) into a quantile
// matrix: every row, its label in order, and the NaN as missing; a chunk that fails is reported.
TEST(DMatrixExport, AQuantileMatrixStreamedInChunksHoldsEveryRowAndLabel) {
  Fixture fx;
  const auto view = dataset::TabularView::make(fx.matrix, fx.labels, {0, 12});
  ASSERT_TRUE(view);
  const auto batch = view->materialise_all();
  std::vector<std::size_t> asked;
  const DMatrix::ChunkSource fetch = [&](std::size_t first, std::size_t count) -> core::Result<dataset::Batch> {
    asked.push_back(count);
    return view->materialise_range(first, count);
  };
  const auto dm = DMatrix::quantile_from_chunks(view->size(), fetch, 1, 5);
  ASSERT_TRUE(dm) << dm.error().message;
  EXPECT_EQ(dm->rows(), 22u);
  EXPECT_EQ(dm->cols(), 3u);
  EXPECT_NE(std::find(asked.begin(), asked.end(), 2u), asked.end());  // 4 chunks of 5, then 2
  bst_ulong n = 0;
  const float* labels = nullptr;
  ASSERT_EQ(XGDMatrixGetFloatInfo(dm->handle(), "label", &n, &labels), 0);
  ASSERT_EQ(n, 22u);
  for (std::size_t r = 0; r < n; ++r) EXPECT_EQ(labels[r], batch.y[r]) << r;
  bst_ulong present = 0;
  ASSERT_EQ(XGDMatrixNumNonMissing(dm->handle(), &present), 0);
  EXPECT_EQ(present, 22u * 3u - 1u);

  const DMatrix::ChunkSource failing = [&](std::size_t first, std::size_t count) -> core::Result<dataset::Batch> {
    if (first >= 10) return core::fail("chunk at row {} unreadable", first);
    return view->materialise_range(first, count);
  };
  const auto broken = DMatrix::quantile_from_chunks(view->size(), failing, 1, 5);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().message, "chunk at row 10 unreadable");
}

TEST(DMatrixExport, RejectsSequenceBatches) {
  Fixture fx;
  const auto view = dataset::SequenceView::make(fx.matrix, fx.labels, {0, 12}, 3);
  ASSERT_TRUE(view);
  EXPECT_FALSE(DMatrix::from_batch(view->materialise_range(0, 2)));
}

}  // namespace
}  // namespace kestrel::ml
