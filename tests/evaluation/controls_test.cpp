// The controls on the sample data with a fast model (logistic regression): shuffled labels
// must give chance, a planted leak must be caught.
#include <atomic>
#include <memory>

#include <gtest/gtest.h>

#include "core/paths.hpp"
#include "dataset/labels.hpp"
#include "dataset/splits.hpp"
#include "evaluation/controls.hpp"
#include "features/feature_pipeline.hpp"
#include "ml/model_factory.hpp"
#include "store/importer.hpp"
#include "store/market_store.hpp"
#include "store/snapshot.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::evaluation {
namespace {

struct SampleData {
  testing::TempDir dir;
  std::optional<store::Panel> panel;
  features::FeatureMatrix matrix;
  dataset::Labels labels;
  dataset::Labels returns;
  dataset::Fold fold;
};

// Built once for the suite (import, snapshot, features) and removed with its folder after it.
class Controls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = std::make_unique<SampleData>();
    auto* d = data_.get();
    const auto db = d->dir / "market.db";
    {
      auto market = store::MarketStore::open(db, store::MarketStore::Access::ReadWrite);
      ASSERT_TRUE(market.has_value()) << market.error().message;
      auto imported = store::import_paths(*market, {KESTREL_SAMPLE_DATA}, {.show_progress = false});
      ASSERT_TRUE(imported.has_value()) << imported.error().message;
    }
    d->panel = store::open_research_panel(db, core::default_snapshot_path(db)).value();
    d->matrix = features::compute_features(*d->panel, {});
    d->labels = dataset::make_labels(*d->panel, {}).value();
    d->returns = dataset::make_labels(*d->panel, {.kind = dataset::LabelKind::ForwardReturn}).value();
    d->fold = dataset::fixed_segments(d->matrix.dates, 1, 5,
                                      {.train_begin = core::Date::from_ymd(2011, 1, 3),
                                       .valid_begin = core::Date::from_ymd(2016, 1, 1),
                                       .test_begin = core::Date::from_ymd(2018, 1, 1),
                                       .test_end = core::Date::from_ymd(2019, 12, 31)})
                  .value();
  }
  static void TearDownTestSuite() { data_.reset(); }
  static const SampleData& sample() { return *data_; }
  static inline std::unique_ptr<SampleData> data_;
};

ModelMaker logistic(const features::FeatureMatrix& matrix) {
  return [&matrix]() -> core::Result<std::unique_ptr<ml::Model>> {
    ml::ModelConfig config;
    std::vector<std::size_t> columns(matrix.num_features());
    for (std::size_t f = 0; f < columns.size(); ++f) columns[f] = f;
    config.feature_names = ml::feature_names_for(matrix, columns);
    return ml::make_model("logistic_regression", config);
  };
}

RunOptions fast_options() {
  return {.lookback = 20, .nan_policy = dataset::NanPolicy::Zero,
          .fit = {.seed = 1, .threads = 0, .show_progress = false, .checkpoint_dir = {}}};
}

TEST_F(Controls, ShuffledLabelsGiveChance) {
  const auto& d = sample();
  const EvaluationData data{&d.matrix, &d.labels, &d.returns};
  const auto result = shuffled_label_control(logistic(d.matrix), data, d.fold, fast_options(), {});
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->passed) << result->detail;
  EXPECT_NEAR(result->metrics.classification.auc, 0.5, 0.05);
  EXPECT_GT(result->metrics.classification.samples, 5000u);
}

TEST_F(Controls, PlantedLeakIsDetected) {
  const auto& d = sample();
  const EvaluationData data{&d.matrix, &d.labels, &d.returns};
  const auto result = planted_leak_control(logistic(d.matrix), data, d.fold, fast_options(), {});
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_TRUE(result->passed) << result->detail;
  EXPECT_NE(result->detail.find("leak check flagged it"), std::string::npos) << result->detail;
  // Tomorrow's return as a feature makes tomorrow's direction almost certain.
  EXPECT_GT(result->metrics.classification.accuracy, 0.9);
}

TEST_F(Controls, ShuffledControlFlagsAnEvaluationThatLeaks) {
  // An evaluation whose features carry the test labels' future: a scorer that reads it stays
  // far from chance even when its training labels are shuffled, so the control must fail.
  const auto& d = sample();
  features::FeatureMatrix leaked = d.matrix;
  leaked.names.push_back("leak");
  for (std::size_t i = 0; i < leaked.num_tickers(); ++i) {
    for (std::size_t t = 0; t < leaked.num_dates(); ++t) leaked.values.push_back(d.returns.at(i, t));
  }
  const EvaluationData data{&leaked, &d.labels, &d.returns};
  // momentum_sign pointed at the leaked column scores sign(tomorrow's return), untrained.
  ModelMaker maker = [&leaked]() -> core::Result<std::unique_ptr<ml::Model>> {
    ml::ModelConfig config;
    std::vector<std::size_t> columns(leaked.num_features());
    for (std::size_t f = 0; f < columns.size(); ++f) columns[f] = f;
    config.feature_names = ml::feature_names_for(leaked, columns);
    config.momentum_feature = "leak";
    return ml::make_model("momentum_sign", config);
  };
  const auto result = shuffled_label_control(maker, data, d.fold, fast_options(), {});
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_FALSE(result->passed) << result->detail;
}

// The pipeline cancels a walk-forward running beside the next models when it fails: the run
// must stop before fitting another fold, with an error that says so.
TEST_F(Controls, WalkForwardRunStopsBeforeTheNextFoldOnceCancelled) {
  const auto& d = sample();
  const EvaluationData data{&d.matrix, &d.labels, &d.returns};
  std::atomic<bool> cancelled{true};
  RunOptions options = fast_options();
  options.cancelled = &cancelled;
  int made = 0;
  const ModelMaker counting = [&]() {
    ++made;
    return logistic(d.matrix)();
  };
  const auto run = run_model(counting, data, std::span(&d.fold, 1), options);
  ASSERT_FALSE(run.has_value());
  EXPECT_NE(run.error().message.find("cancelled before fold"), std::string::npos) << run.error().message;
  EXPECT_EQ(made, 0);
  cancelled = false;
  EXPECT_TRUE(run_model(counting, data, std::span(&d.fold, 1), options).has_value());
  EXPECT_EQ(made, 1);
}

}  // namespace
}  // namespace kestrel::evaluation
