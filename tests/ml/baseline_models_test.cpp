// Baselines, logistic regression, the factory and the config parser.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "ml/baselines.hpp"
#include "ml/model_factory.hpp"
#include "support/temp_dir.hpp"
#include "synthetic_market.hpp"

namespace kestrel::ml {
namespace {

using testing::SyntheticMarket;

ModelConfig config_for(const SyntheticMarket& market) {
  ModelConfig config;
  config.feature_names = market.matrix.names;
  return config;
}

FitOptions quiet() { return {.seed = 42, .threads = 2, .show_progress = false}; }

TEST(Baselines, AlwaysUpPredictsTheTrainingBaseRate) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto test = market.views(SyntheticMarket::kTest);
  auto model = make_model("always_up", config_for(market));
  ASSERT_TRUE(model) << model.error().message;
  ASSERT_TRUE((*model)->fit(train.set(), {}, quiet()));
  const auto y = train.tabular.materialise_all().y;
  double ups = 0;
  for (float v : y) ups += v;
  const auto p = (*model)->predict(test.set());
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), test.tabular.size());
  for (float v : *p) EXPECT_FLOAT_EQ(v, static_cast<float>(ups / static_cast<double>(y.size())));
}

TEST(Baselines, SignRulesScoreTheTrainingFrequencyPerSignOfTheirFeatureAtT) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  for (const std::string name : {"yesterday_direction", "momentum_sign"}) {
    const std::size_t column = name == "momentum_sign" ? 1 : 0;
    auto model = make_model(name, config_for(market));
    ASSERT_TRUE(model) << model.error().message;
    ASSERT_TRUE((*model)->fit(train.set(), {}, quiet()));
    const auto batch = train.tabular.materialise_all();
    double up_pos = 0, n_pos = 0, up_neg = 0, n_neg = 0;
    for (std::size_t i = 0; i < batch.size; ++i) {
      const float x = batch.x[i * batch.num_features + column];
      if (x > 0) {
        up_pos += batch.y[i];
        n_pos += 1;
      } else if (x < 0) {
        up_neg += batch.y[i];
        n_neg += 1;
      }
    }
    const auto p = (*model)->predict(train.set());
    ASSERT_TRUE(p);
    for (std::size_t i = 0; i < batch.size; ++i) {
      const float x = batch.x[i * batch.num_features + column];
      if (x > 0) {
        EXPECT_FLOAT_EQ((*p)[i], static_cast<float>((up_pos + 1) / (n_pos + 2))) << name;
      } else if (x < 0) {
        EXPECT_FLOAT_EQ((*p)[i], static_cast<float>((up_neg + 1) / (n_neg + 2))) << name;
      }
    }
  }
}

TEST(Baselines, SignRuleNeedsItsFeature) {
  ModelConfig config;
  config.feature_names = {"a", "b"};
  const auto model = make_model("momentum_sign", config);
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("ret_20d"), std::string::npos);
}

TEST(ModelFactory, UnknownNameListsTheKnownOnes) {
  const auto model = make_model("random_forest", {});
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("logistic_regression"), std::string::npos);
}

TEST(LogisticRegression, LearnsAPlantedSignalAndIsAtChanceOnShuffledLabels) {
  SyntheticMarket market;
  {
    const auto train = market.views(SyntheticMarket::kTrain);
    const auto valid = market.views(SyntheticMarket::kValid);
    const auto test = market.views(SyntheticMarket::kTest);
    auto model = make_model("logistic_regression", config_for(market));
    ASSERT_TRUE(model);
    const auto report = (*model)->fit(train.set(), valid.set(), quiet());
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_LT(report->best_validation_loss, 0.6);
    const auto p = (*model)->predict(test.set());
    ASSERT_TRUE(p);
    for (float v : *p) ASSERT_TRUE(v >= 0 && v <= 1);
    EXPECT_GT(testing::accuracy(*p, test.tabular), 0.8);
  }
  market.shuffle_labels(3);
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto test = market.views(SyntheticMarket::kTest);
  auto model = make_model("logistic_regression", config_for(market));
  ASSERT_TRUE((*model)->fit(train.set(), {}, quiet()));
  const auto p = (*model)->predict(test.set());
  ASSERT_TRUE(p);
  EXPECT_NEAR(testing::accuracy(*p, test.tabular), 0.5, 0.08);
}

TEST(Models, SaveThenLoadGivesIdenticalPredictions) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto valid = market.views(SyntheticMarket::kValid);
  const auto test = market.views(SyntheticMarket::kTest);
  kestrel::testing::TempDir dir;
  for (const std::string name : {"always_up", "yesterday_direction", "momentum_sign", "logistic_regression"}) {
    auto model = make_model(name, config_for(market));
    ASSERT_TRUE(model) << name;
    ASSERT_TRUE((*model)->fit(train.set(), valid.set(), quiet())) << name;
    const auto before = (*model)->predict(test.set());
    ASSERT_TRUE(before);
    ASSERT_TRUE((*model)->save(dir.path() / name)) << name;
    auto fresh = make_model(name, config_for(market));
    const auto loaded = (*fresh)->load(dir.path() / name);
    ASSERT_TRUE(loaded) << name << ": " << loaded.error().message;
    const auto after = (*fresh)->predict(test.set());
    ASSERT_TRUE(after);
    EXPECT_EQ(*before, *after) << name;
  }
}

TEST(Models, DamagedModelFileIsAClearErrorAndLeavesTheLoadedModelAsItWas) {
  SyntheticMarket market;
  const auto train = market.views(SyntheticMarket::kTrain);
  const auto test = market.views(SyntheticMarket::kTest);
  kestrel::testing::TempDir dir;
  auto model = make_model("logistic_regression", config_for(market));
  ASSERT_TRUE((*model)->fit(train.set(), {}, quiet()));
  ASSERT_TRUE((*model)->save(dir.path() / "good"));
  const auto before = (*model)->predict(test.set());
  ASSERT_TRUE(before);

  std::string text = kestrel::testing::read_file(dir.path() / "good" / "model.json");
  const auto at = text.find('[', text.find("\"coefficients\""));
  ASSERT_NE(at, std::string::npos) << text.substr(0, 200);
  text.insert(at + 1, "\"x\",");
  std::filesystem::create_directories(dir.path() / "bad");
  kestrel::testing::write_file(dir.path() / "bad" / "model.json", text);
  const auto loaded = (*model)->load(dir.path() / "bad");
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find("model.json: coefficients: expected numbers"), std::string::npos)
      << loaded.error().message;
  EXPECT_EQ(*(*model)->predict(test.set()), *before);  // nothing half-loaded

  kestrel::testing::write_file(dir.path() / "bad" / "model.json", "{\"name\": \"logistic_regression\"}");
  const auto no_config = (*model)->load(dir.path() / "bad");
  ASSERT_FALSE(no_config);
  EXPECT_NE(no_config.error().message.find("model.json"), std::string::npos) << no_config.error().message;
  EXPECT_EQ(*(*model)->predict(test.set()), *before);
}

TEST(ModelConfig, ParsesPresetsAndReportsEveryProblem) {
  const auto good = parse_model_config(toml::parse("preset = 'transformer_plan'\nepochs = 3\n"), "cfg.toml");
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->d_model, 512);
  EXPECT_EQ(good->heads, 8);
  EXPECT_EQ(good->layers, 6);
  EXPECT_EQ(good->lookback, 90u);
  EXPECT_EQ(good->epochs, 3);
  const auto bad = parse_model_config(toml::parse("epochs = -1\nlearning_rat = 0.1\nlr_schedule = 'linear'\n"),
                                      "cfg.toml", "models.lstm");
  ASSERT_FALSE(bad);
  const auto& m = bad.error().message;
  EXPECT_NE(m.find("cfg.toml:1:"), std::string::npos) << m;
  EXPECT_NE(m.find("models.lstm.epochs"), std::string::npos) << m;
  EXPECT_NE(m.find("learning_rat: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("lr_schedule"), std::string::npos) << m;
}

}  // namespace
}  // namespace kestrel::ml
