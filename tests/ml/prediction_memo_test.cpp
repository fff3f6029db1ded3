// The prediction memo: a fitted model asked again for the same samples gets its earlier
// scores, and anything that changes the scores — a feature value changed in place (as
// permutation importance does), other rows, another fit — is asked anew. A model saved and
// loaded is the same model.
#include <gtest/gtest.h>

#include <filesystem>

#include "ml/ensembles.hpp"
#include "ml/model_factory.hpp"
#include "ml/prediction_memo.hpp"
#include "synthetic_market.hpp"

namespace kestrel::ml {
namespace {

using testing::SyntheticMarket;

std::shared_ptr<SampleModel> fitted(const std::string& name, const ModelConfig& config, const SampleSet& train,
                                    const SampleSet& valid, std::uint64_t seed = 42) {
  auto made = make_model(name, config);
  EXPECT_TRUE(made) << made.error().message;
  auto model = std::shared_ptr<SampleModel>(dynamic_cast<SampleModel*>(made->release()));
  const auto report = model->fit(train, valid, {.seed = seed, .threads = 2, .show_progress = false});
  EXPECT_TRUE(report) << report.error().message;
  return model;
}

// Each test starts and ends with an empty memo, on the synthetic market's three segments.
class PredictionMemoTest : public ::testing::Test {
 protected:
  void SetUp() override { clear_prediction_memo(); }
  void TearDown() override { clear_prediction_memo(); }

  SyntheticMarket market;
  SyntheticMarket::Views train = market.views(SyntheticMarket::kTrain);
  SyntheticMarket::Views valid = market.views(SyntheticMarket::kValid);
  SyntheticMarket::Views test = market.views(SyntheticMarket::kTest);
  ModelConfig config = testing::tiny_ensemble_config(market);
};

TEST_F(PredictionMemoTest, TheSameFitOnTheSameSamplesIsScoredOnce) {
  for (const std::string name : {"logistic_regression", "xgboost", "lstm"}) {
    SCOPED_TRACE(name);
    clear_prediction_memo();
    const SampleSet train_set = name == "lstm" ? SampleSet{nullptr, &train.sequence} : SampleSet{&train.tabular, nullptr};
    const SampleSet valid_set = name == "lstm" ? SampleSet{nullptr, &valid.sequence} : SampleSet{&valid.tabular, nullptr};
    const SampleSet test_set = name == "lstm" ? SampleSet{nullptr, &test.sequence} : SampleSet{&test.tabular, nullptr};
    const auto model = fitted(name, config, train_set, valid_set);
    ASSERT_FALSE(model->fingerprint().empty());
    const auto direct = model->predict_rows(test_set, all_rows(*sample_count(test_set, model->uses_sequences())));
    ASSERT_TRUE(direct);
    const auto first = predict_all_memoised(*model, test_set);
    const auto second = predict_all_memoised(*model, test_set);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(*first, *direct);
    EXPECT_EQ(*second, *direct);
    EXPECT_EQ(prediction_memo_stats().misses, 1u);
    EXPECT_EQ(prediction_memo_stats().hits, 1u);

    // Saved and loaded: the same fingerprint, so the same entry.
    const auto dir = std::filesystem::temp_directory_path() / ("kestrel_memo_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    ASSERT_TRUE(model->save(dir));
    auto copy = make_model(name, config);
    ASSERT_TRUE(copy);
    ASSERT_TRUE((*copy)->load(dir));
    EXPECT_EQ(dynamic_cast<SampleModel&>(**copy).fingerprint(), model->fingerprint());
    EXPECT_EQ(*predict_all_memoised(**copy, test_set), *direct);
    EXPECT_EQ(prediction_memo_stats().hits, 2u);
    std::filesystem::remove_all(dir);

    // Another fit (another seed for the network; other data for the convex models) is another model.
    const auto other = name == "lstm" ? fitted(name, config, train_set, valid_set, 43)
                                      : fitted(name, config, valid_set, train_set);
    EXPECT_NE(other->fingerprint(), model->fingerprint());
    const auto other_scores = predict_all_memoised(*other, test_set);
    ASSERT_TRUE(other_scores);
    EXPECT_NE(*other_scores, *direct);
    EXPECT_EQ(prediction_memo_stats().misses, 2u);
  }
}

TEST_F(PredictionMemoTest, AFeatureChangedInPlaceOrOtherRowsAreScoredAnew) {
  const SampleSet test_set{nullptr, &test.sequence};
  const auto lstm = fitted("lstm", config, {nullptr, &train.sequence}, {nullptr, &valid.sequence});
  const auto before = predict_all_memoised(*lstm, test_set);
  ASSERT_TRUE(before);

  // Shuffle the signal feature inside the test window, as permutation importance does: the
  // views and the matrix's address are unchanged, the scores are not.
  const std::size_t signal = 2;
  auto first_ticker = market.matrix.series(signal, 0);
  std::vector<float> saved(first_ticker.begin(), first_ticker.end());
  for (std::size_t t = SyntheticMarket::kTest.begin; t + 1 < SyntheticMarket::kTest.end; ++t) {
    std::swap(first_ticker[t], first_ticker[t + 1]);
  }
  const auto shuffled = predict_all_memoised(*lstm, test_set);
  ASSERT_TRUE(shuffled);
  EXPECT_NE(*shuffled, *before);
  EXPECT_EQ(*shuffled, *lstm->predict_rows(test_set, all_rows(test.sequence.size())));
  std::copy(saved.begin(), saved.end(), first_ticker.begin());
  EXPECT_EQ(*predict_all_memoised(*lstm, test_set), *before);  // restored: the first entry again

  // A value in the lookback before the window is read too (the window's first samples see it).
  const std::size_t lookback_day = SyntheticMarket::kTest.begin - 2;
  const float kept = first_ticker[lookback_day];
  first_ticker[lookback_day] = kept + 5;
  const auto lookback_changed = predict_all_memoised(*lstm, test_set);
  ASSERT_TRUE(lookback_changed);
  EXPECT_NE(*lookback_changed, *before);
  first_ticker[lookback_day] = kept;

  // A subset of the rows is its own entry, with its own scores (a smaller batch can round
  // differently in the last bits, so not taken from the whole set's).
  std::vector<std::size_t> some{0, 3, 5};
  const auto part = predict_memoised(*lstm, test_set, some);
  ASSERT_TRUE(part);
  EXPECT_EQ(*part, *lstm->predict_rows(test_set, some));
  for (std::size_t i = 0; i < some.size(); ++i) EXPECT_NEAR((*part)[i], (*before)[some[i]], 1e-5);
  const auto stats = prediction_memo_stats();
  EXPECT_EQ(stats.misses, 4u);  // before, shuffled, lookback changed, the subset
  EXPECT_EQ(stats.hits, 1u);    // restored
}

TEST_F(PredictionMemoTest, AnEnsembleScoresItsMembersThroughTheMemo) {
  const SampleSet train_set{nullptr, &train.sequence}, valid_set{nullptr, &valid.sequence};
  const SampleSet test_set{nullptr, &test.sequence};
  EnsembleAverage ensemble(config);
  ASSERT_TRUE(ensemble.fit(train_set, valid_set, {.seed = 42, .threads = 2, .show_progress = false}));
  const auto scores = predict_all_memoised(ensemble, test_set);
  ASSERT_TRUE(scores);
  const auto misses = prediction_memo_stats().misses;
  const auto again = predict_all_memoised(ensemble, test_set);
  EXPECT_EQ(*again, *scores);
  EXPECT_EQ(prediction_memo_stats().misses, misses);
  // Every member with a weight was taken from the memo.
  std::size_t weighted = 0;
  for (double w : ensemble.weights()) weighted += w > 0 ? 1 : 0;
  EXPECT_GE(prediction_memo_stats().hits, weighted);
  EXPECT_GT(weighted, 0u);
}

}  // namespace
}  // namespace kestrel::ml
