// Permutation importance on the synthetic market, whose labels only one feature ("signal":
// tomorrow's return plus noise) can predict: that feature must top the list by far, the pure
// noise features must not matter, and the feature matrix must come back bit for bit.
#include "evaluation/permutation_importance.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace kestrel::evaluation
