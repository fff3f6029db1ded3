// Permutation importance on the synthetic market, whose labels only one feature ("signal":
// tomorrow's return plus noise) can predict: that feature must top the list by far, the pure
// noise features must not matter, and the feature matrix must come back bit for bit.
#include "evaluation/feature_importance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "ml/model_factory.hpp"
#include "ml/synthetic_market.hpp"

namespace kestrel::evaluation {
namespace {

using ml::testing::SyntheticMarket;

TEST(PermutationImportance, ThePlantedSignalMattersTheNoiseDoesNotAndTheMatrixIsRestored) {
  SyntheticMarket market;
  ml::ModelConfig config;
  config.feature_names = market.matrix.names;
  auto model = ml::make_model("logistic_regression", config);
  ASSERT_TRUE(model) << model.error().message;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  ASSERT_TRUE((*model)->fit(train.set(), valid.set(), {.seed = 1, .threads = 1, .show_progress = false}));

  const features::FeatureValues before = market.matrix.values;
  const RunOptions options{.lookback = SyntheticMarket::kLookback, .nan_policy = dataset::NanPolicy::Zero};
  auto result = permutation_importance(**model, market.matrix, market.labels, SyntheticMarket::kValid, options, 11);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->metric, "AUC");
  EXPECT_GT(result->baseline, 0.85);  // the signal is learnable
  ASSERT_EQ(result->features.size(), 5u);
  EXPECT_EQ(result->features[0].feature, "signal");
  EXPECT_GT(result->features[0].drop, 0.25);  // without it the model is near a coin flip
  for (std::size_t k = 1; k < result->features.size(); ++k) {
    EXPECT_LT(std::abs(result->features[k].drop), 0.05) << result->features[k].feature;
  }
  ASSERT_EQ(market.matrix.values.size(), before.size());
  EXPECT_EQ(std::memcmp(market.matrix.values.data(), before.data(), before.size() * sizeof(float)), 0)
      << "the matrix was not restored";  // NaN cells included: compared as bytes

  // The same seed shuffles the same way.
  auto again = permutation_importance(**model, market.matrix, market.labels, SyntheticMarket::kValid, options, 11);
  ASSERT_TRUE(again);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_EQ(again->features[k].drop, result->features[k].drop);
}

TEST(TreeAttribution, XGBoostShapValuesSumToItsMarginAndFindThePlantedSignal) {
  SyntheticMarket market;
  ml::ModelConfig config;
  config.feature_names = market.matrix.names;
  auto model = ml::make_model("xgboost", config);
  ASSERT_TRUE(model) << model.error().message;
  ASSERT_TRUE((*model)->has_contributions());
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  ASSERT_TRUE((*model)->fit(train.set(), valid.set(), {.seed = 1, .threads = 1, .show_progress = false}));
  const ml::SampleSet tabular{&valid.tabular, nullptr};
  const auto scores = (*model)->predict(tabular);
  const auto shap = (*model)->contributions(tabular);
  ASSERT_TRUE(scores && shap) << (shap ? "" : shap.error().message);
  const std::size_t per_row = market.matrix.num_features() + 1;
  ASSERT_EQ(shap->size(), scores->size() * per_row);
  // Per sample, the contributions and the bias add up to the log-odds of the predicted probability.
  for (std::size_t i = 0; i < scores->size(); ++i) {
    double margin = 0;
    for (std::size_t f = 0; f < per_row; ++f) margin += (*shap)[i * per_row + f];
    const double p = (*scores)[i];
    ASSERT_NEAR(margin, std::log(p / (1 - p)), 1e-3) << "sample " << i;
  }
  const RunOptions options{.lookback = SyntheticMarket::kLookback, .nan_policy = dataset::NanPolicy::Keep};
  const auto mean = mean_absolute_contributions(**model, market.matrix, market.labels, SyntheticMarket::kValid, options);
  ASSERT_TRUE(mean) << mean.error().message;
  ASSERT_EQ(mean->size(), 5u);
  EXPECT_EQ((*mean)[0].feature, "signal");
  EXPECT_GT((*mean)[0].drop, 3 * (*mean)[1].drop);  // far ahead of the others

  auto lr = ml::make_model("logistic_regression", config);
  ASSERT_TRUE(lr);
  EXPECT_FALSE((*lr)->has_contributions());
  EXPECT_FALSE(mean_absolute_contributions(**lr, market.matrix, market.labels, SyntheticMarket::kValid, options));
}

}  // namespace
}  // namespace kestrel::evaluation
