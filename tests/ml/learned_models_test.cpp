// XGBoost, the LibTorch models and the ensembles on the synthetic market: they learn a
// planted signal, are at chance on shuffled labels, reproduce with the same seed, survive
// save/load, resume from checkpoints, and stacking trains its meta-learner out of fold only.
#include <gtest/gtest.h>

#include "ml/ensembles.hpp"
#include "ml/model_factory.hpp"
#include "support/temp_dir.hpp"
#include "synthetic_market.hpp"

namespace kestrel::ml {
namespace {

using testing::SyntheticMarket;

ModelConfig small_config(const SyntheticMarket& market) { return testing::small_model_config(market); }

FitOptions quiet(std::uint64_t seed = 42) { return {.seed = seed, .threads = 2, .show_progress = false}; }

class LearnedModel : public ::testing::TestWithParam<std::string> {};

TEST_P(LearnedModel, LearnsSignalReproducesAndSurvivesSaveLoad) {
  const std::string name = GetParam();
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto test = market.views(SyntheticMarket::kTest);
  const auto config = small_config(market);

  auto model = make_model(name, config);
  ASSERT_TRUE(model) << model.error().message;
  const auto report = (*model)->fit(train.set(), valid.set(), quiet());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_GE(report->epochs_run, 1);
  const auto p = (*model)->predict(test.set());
  ASSERT_TRUE(p) << p.error().message;
  ASSERT_EQ(p->size(), test.tabular.size());
  for (float v : *p) ASSERT_TRUE(v >= 0 && v <= 1) << v;
  EXPECT_GT(testing::accuracy(*p, test.tabular), 0.75) << name;

  auto again = make_model(name, config);
  ASSERT_TRUE((*again)->fit(train.set(), valid.set(), quiet()));
  EXPECT_EQ(*(*again)->predict(test.set()), *p) << name << ": same seed, different predictions";

  kestrel::testing::TempDir dir;
  ASSERT_TRUE((*model)->save(dir.path() / name));
  auto loaded = make_model(name, config);
  const auto status = (*loaded)->load(dir.path() / name);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_EQ(*(*loaded)->predict(test.set()), *p) << name << ": save/load changed predictions";
}

INSTANTIATE_TEST_SUITE_P(Models, LearnedModel,
                         ::testing::Values("xgboost", "mlp", "lstm", "transformer", "ensemble_average", "stacking"));

// Attention maps: one distribution over the window per layer and head, averaged over the
// requested number of samples, the same after save/load; models without attention say so.
TEST(LearnedModels, TheTransformerShowsWhereItLooksAndTheOthersSayTheyCannot) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto test = market.views(SyntheticMarket::kTest);
  auto config = small_config(market);
  config.layers = 2;
  auto model = make_model("transformer", config);
  ASSERT_TRUE((*model)->fit(train.set(), valid.set(), quiet()));
  ASSERT_TRUE((*model)->has_attention());
  const auto maps = (*model)->attention(test.set(), 50);
  ASSERT_TRUE(maps) << maps.error().message;
  EXPECT_EQ(maps->layers, 2u);
  EXPECT_EQ(maps->heads, 2u);
  EXPECT_EQ(maps->window, SyntheticMarket::kLookback);
  EXPECT_EQ(maps->samples, 50u);
  ASSERT_EQ(maps->weights.size(), 2u * 2u * SyntheticMarket::kLookback);
  for (std::size_t l = 0; l < maps->layers; ++l) {
    for (std::size_t h = 0; h < maps->heads; ++h) {
      double sum = 0;
      for (std::size_t p = 0; p < maps->window; ++p) sum += maps->at(l, h, p);
      EXPECT_NEAR(sum, 1.0, 1e-5) << "layer " << l << " head " << h;
    }
  }
  // All samples when there are fewer than asked for.
  EXPECT_EQ((*model)->attention(test.set(), 1'000'000)->samples, test.sequence.size());

  kestrel::testing::TempDir dir;
  ASSERT_TRUE((*model)->save(dir.path() / "t"));
  auto loaded = make_model("transformer", config);
  ASSERT_TRUE((*loaded)->load(dir.path() / "t"));
  const auto again = (*loaded)->attention(test.set(), 50);
  ASSERT_TRUE(again);
  for (std::size_t k = 0; k < maps->weights.size(); ++k) EXPECT_NEAR(again->weights[k], maps->weights[k], 1e-9);

  for (const std::string name : {"lstm", "xgboost", "logistic_regression"}) {
    auto other = make_model(name, config);
    EXPECT_FALSE((*other)->has_attention()) << name;
    EXPECT_FALSE((*other)->attention(test.set(), 50)) << name;
  }
}

TEST(LearnedModels, ChanceLevelOnShuffledLabels) {
  SyntheticMarket market;
  market.shuffle_labels(5);
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto test = market.views(SyntheticMarket::kTest);
  for (const std::string name : {"xgboost", "mlp", "lstm"}) {
    auto model = make_model(name, small_config(market));
    ASSERT_TRUE((*model)->fit(train.set(), valid.set(), quiet()));
    const auto p = (*model)->predict(test.set());
    ASSERT_TRUE(p);
    // No information: the accuracy is what label-blind calls get, within four standard errors.
    const auto chance = testing::chance_accuracy(*p, test.tabular);
    EXPECT_NEAR(testing::accuracy(*p, test.tabular), chance.expected, 4 * chance.standard_error) << name;
  }
}

TEST(Trainer, ResumingFromACheckpointMatchesAnUninterruptedRun) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto test = market.views(SyntheticMarket::kTest);
  auto config = small_config(market);
  config.lr_schedule = LrSchedule::Step;
  config.lr_step_epochs = 1;
  config.epochs = 4;
  config.patience = 10;
  config.dropout = 0.2;
  kestrel::testing::TempDir dir;

  auto whole = make_model("mlp", config);
  auto options = quiet();
  options.checkpoint_dir = dir.path() / "whole";
  ASSERT_TRUE((*whole)->fit(train.set(), valid.set(), options));

  auto partial_config = config;
  partial_config.epochs = 2;  // "interrupted" after two epochs
  auto first = make_model("mlp", partial_config);
  options.checkpoint_dir = dir.path() / "resumed";
  ASSERT_TRUE((*first)->fit(train.set(), valid.set(), options));
  auto resumed = make_model("mlp", config);
  const auto report = (*resumed)->fit(train.set(), valid.set(), options);
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->epochs_run, 4);
  EXPECT_EQ(report->train_loss.size(), 4u);
  EXPECT_EQ(*(*resumed)->predict(test.set()), *(*whole)->predict(test.set()));
}

TEST(Trainer, DifferentSeedsGiveDifferentNetworks) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto test = market.views(SyntheticMarket::kTest);
  auto a = make_model("lstm", small_config(market));
  auto b = make_model("lstm", small_config(market));
  ASSERT_TRUE((*a)->fit(train.set(), {}, quiet(1)));
  ASSERT_TRUE((*b)->fit(train.set(), {}, quiet(2)));
  EXPECT_NE(*(*a)->predict(test.set()), *(*b)->predict(test.set()));
}

TEST(Stacking, MetaLearnerSeesOnlyPurgedOutOfFoldPredictions) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto config = small_config(market);
  Stacking stacking(config);
  ASSERT_TRUE(stacking.fit(train.set(), valid.set(), quiet()));
  ASSERT_EQ(stacking.folds().size(), 2u);  // 3 blocks: the first has no past
  std::size_t oof = 0;
  std::size_t first_block_start = stacking.folds().front().predict_first_date;
  for (const auto& fold : stacking.folds()) {
    EXPECT_LT(fold.train_last_date + config.stacking_purge_dates, fold.predict_first_date);
    EXPECT_GT(fold.train_samples, 0u);
    oof += fold.predict_samples;
  }
  EXPECT_EQ(stacking.meta_samples(), oof);
  std::size_t before_first_block = 0;
  for (const auto& key : train.tabular.samples()) before_first_block += key.t < first_block_start;
  EXPECT_EQ(oof + before_first_block, train.tabular.size());  // every later sample once, none earlier
  // The member that carries the signal gets the weight.
  ASSERT_EQ(stacking.meta_coefficients().size(), 4u);
  EXPECT_GT(std::max(stacking.meta_coefficients()[2], stacking.meta_coefficients()[3]), 0.3);
}

TEST(EnsembleAverage, WeightsFavourSkillAndSumToOne) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  EnsembleAverage ensemble(small_config(market));
  const auto report = ensemble.fit(train.set(), valid.set(), quiet());
  ASSERT_TRUE(report) << report.error().message;
  const auto& w = ensemble.weights();
  ASSERT_EQ(w.size(), 3u);
  EXPECT_NEAR(w[0] + w[1] + w[2], 1.0, 1e-12);
  EXPECT_EQ(w[0], 0.0);  // always_up has no skill over the base rate
  EXPECT_GT(w[1], 0.0);
  // The report says what the weights are and why.
  EXPECT_EQ(report->summary.rfind("weights always_up 0.000, logistic_regression ", 0), 0u) << report->summary;
  EXPECT_NE(report->summary.find("(validation log-loss gain over the base rate)"), std::string::npos) << report->summary;

  // Without a validation set there is nothing to weigh by: equal weights, said so.
  EnsembleAverage blind(small_config(market));
  const auto blind_report = blind.fit(train.set(), {}, quiet());
  ASSERT_TRUE(blind_report) << blind_report.error().message;
  for (double weight : blind.weights()) EXPECT_NEAR(weight, 1.0 / 3, 1e-12);
  EXPECT_NE(blind_report->summary.find("(equal: no validation set)"), std::string::npos) << blind_report->summary;
}

}  // namespace
}  // namespace kestrel::ml
