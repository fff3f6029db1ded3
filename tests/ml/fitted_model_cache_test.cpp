// The fitted-model cache: an ensemble takes the run's standalone fits of its members instead
// of fitting them again, gets exactly what it would have fitted itself, and fits anew when
// anything that changes a fit differs (settings, seed, samples, labels).
#include <gtest/gtest.h>

#include "ml/ensembles.hpp"
#include "ml/fitted_model_cache.hpp"
#include "ml/model_factory.hpp"
#include "synthetic_market.hpp"

namespace kestrel::ml {
namespace {

using testing::SyntheticMarket;

FitOptions options(std::shared_ptr<FittedModelCache> cache, std::uint64_t seed = 42) {
  return {.seed = seed, .threads = 2, .show_progress = false, .checkpoint_dir = {}, .fitted_models = std::move(cache)};
}

std::shared_ptr<SampleModel> make(const std::string& name, const ModelConfig& config) {
  auto made = make_model(name, config);
  EXPECT_TRUE(made) << made.error().message;
  return std::shared_ptr<SampleModel>(dynamic_cast<SampleModel*>(made->release()));
}

// Fits `name` on every row of the sets, as the pipeline's standalone model.
FittedModel fit_standalone(const std::string& name, const ModelConfig& config, const SampleSet& train,
                           const SampleSet& valid, const FitOptions& fit_options) {
  auto model = make(name, config);
  const auto n_train = *sample_count(train, model->uses_sequences());
  const auto n_valid = *sample_count(valid, model->uses_sequences());
  auto fitted = fit_or_reuse(model, train, all_rows(n_train), valid, all_rows(n_valid), fit_options);
  EXPECT_TRUE(fitted) << fitted.error().message;
  return *fitted;
}

TEST(FittedModelCache, EnsemblesReuseTheStandaloneFitsAndPredictExactlyAsIfTheyHadFittedThem) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto test = market.views(SyntheticMarket::kTest);
  const auto config = testing::tiny_ensemble_config(market);
  // As in the pipeline: tabular models get the tabular view alone, sequence models and
  // ensembles with a sequence member the sequence view alone.
  const SampleSet train_tabular{&train.tabular, nullptr}, valid_tabular{&valid.tabular, nullptr};
  const SampleSet train_sequence{nullptr, &train.sequence}, valid_sequence{nullptr, &valid.sequence};
  const SampleSet test_sequence{nullptr, &test.sequence};

  auto cache = std::make_shared<FittedModelCache>();
  for (const std::string name : {"logistic_regression", "xgboost"}) {
    EXPECT_FALSE(fit_standalone(name, config, train_tabular, valid_tabular, options(cache)).reused) << name;
  }
  EXPECT_FALSE(fit_standalone("lstm", config, train_sequence, valid_sequence, options(cache)).reused);
  ASSERT_EQ(cache->size(), 3u);

  EnsembleAverage reusing(config);
  const auto report = reusing.fit(train_sequence, valid_sequence, options(cache));
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(cache->hits(), 3u);
  EXPECT_NE(report->summary.find("the run's earlier fits of logistic_regression, xgboost, lstm reused"),
            std::string::npos)
      << report->summary;

  // What it would have fitted alone: the same weights and scores, to the bit.
  EnsembleAverage alone(config);
  ASSERT_TRUE(alone.fit(train_sequence, valid_sequence, options(nullptr)));
  EXPECT_EQ(reusing.weights(), alone.weights());
  EXPECT_EQ(*reusing.predict(test_sequence), *alone.predict(test_sequence));

  // Stacking takes the same three for its final members; its out-of-fold members are fitted
  // on parts of the window, which nothing fitted before.
  Stacking stacking(config);
  const auto stacked = stacking.fit(train_sequence, valid_sequence, options(cache));
  ASSERT_TRUE(stacked) << stacked.error().message;
  EXPECT_EQ(cache->hits(), 6u);
  EXPECT_NE(stacked->summary.find("earlier fits of logistic_regression, xgboost, lstm reused"), std::string::npos);
  Stacking stacking_alone(config);
  ASSERT_TRUE(stacking_alone.fit(train_sequence, valid_sequence, options(nullptr)));
  EXPECT_EQ(*stacking.predict(test_sequence), *stacking_alone.predict(test_sequence));
}

TEST(FittedModelCache, AnythingThatChangesTheFitIsAMiss) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto config = testing::tiny_ensemble_config(market);
  const SampleSet train_tabular{&train.tabular, nullptr}, valid_tabular{&valid.tabular, nullptr};
  auto cache = std::make_shared<FittedModelCache>();
  fit_standalone("xgboost", config, train_tabular, valid_tabular, options(cache));

  // The same fit again: a hit, whichever view carries the rows.
  EXPECT_TRUE(fit_standalone("xgboost", config, train_tabular, valid_tabular, options(cache)).reused);
  EXPECT_TRUE(fit_standalone("xgboost", config, train.set(), valid.set(), options(cache)).reused);
  // A member of an ensemble reads the ensemble's config, whose ensemble keys it ignores.
  auto ensemble_config = config;
  ensemble_config.members = {"xgboost", "mlp"};
  ensemble_config.stacking_folds = 5;
  EXPECT_TRUE(fit_standalone("xgboost", ensemble_config, train_tabular, valid_tabular, options(cache)).reused);

  auto other_settings = config;
  other_settings.xgb_rounds = 31;
  EXPECT_FALSE(fit_standalone("xgboost", other_settings, train_tabular, valid_tabular, options(cache)).reused);
  EXPECT_FALSE(fit_standalone("xgboost", config, train_tabular, valid_tabular, options(cache, 43)).reused);
  const auto shorter = market.views({SyntheticMarket::kTrain.begin, SyntheticMarket::kTrain.end - 1});
  EXPECT_FALSE(fit_standalone("xgboost", config, {&shorter.tabular, nullptr}, valid_tabular, options(cache)).reused);
  const auto other_valid = market.views({SyntheticMarket::kValid.begin + 1, SyntheticMarket::kValid.end});
  EXPECT_FALSE(fit_standalone("xgboost", config, train_tabular, {&other_valid.tabular, nullptr}, options(cache)).reused);
  // Same samples, other labels (a shuffled-label control must never get the real fit).
  SyntheticMarket shuffled;
  shuffled.shuffle_labels(3);
  const auto shuffled_train = shuffled.views(SyntheticMarket::kTrain);
  const auto shuffled_valid = shuffled.views(SyntheticMarket::kValid);
  const auto key = fit_key(*make("xgboost", config), train_tabular, all_rows(train.tabular.size()), valid_tabular,
                           all_rows(valid.tabular.size()), 42);
  const auto shuffled_key = fit_key(*make("xgboost", config), {&shuffled_train.tabular, nullptr},
                                    all_rows(shuffled_train.tabular.size()), {&shuffled_valid.tabular, nullptr},
                                    all_rows(shuffled_valid.tabular.size()), 42);
  ASSERT_TRUE(key && shuffled_key);
  // Different matrices, so the keys differ anyway; with the same labels they would too.
  EXPECT_NE(*key, *shuffled_key);
  const std::string labels_part = key->substr(key->rfind("train "));
  const std::string shuffled_labels_part = shuffled_key->substr(shuffled_key->rfind("train "));
  EXPECT_NE(labels_part.substr(labels_part.rfind('/')), shuffled_labels_part.substr(shuffled_labels_part.rfind('/')));
  // A sequence model's window length is part of its fit.
  const auto lstm_key = fit_key(*make("lstm", config), {nullptr, &train.sequence}, all_rows(train.sequence.size()),
                                {nullptr, &valid.sequence}, all_rows(valid.sequence.size()), 42);
  ASSERT_TRUE(lstm_key) << lstm_key.error().message;
  EXPECT_NE(lstm_key->find("/8/"), std::string::npos) << *lstm_key;
}

}  // namespace
}  // namespace kestrel::ml
