// The pipeline config's validation and the whole `kestrel pipeline` job on the sample data
// with a tiny config (baselines and logistic regression).
#include <algorithm>
#include <map>
#include <set>
#include <cmath>
#include <regex>
#include <sstream>
#include <vector>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/date.hpp"
#include "pipeline/pipeline_config.hpp"
#include "store/csv_folder.hpp"
#include "support/headless_browser.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::pipeline {
namespace {

// The sample data's fixed split: train 2011-2015, validate 2016-2017, test 2018-2019.
constexpr const char* kSampleSplit = R"([evaluation.fixed]
train_begin = "2011-01-03"
valid_begin = "2016-01-01"
test_begin = "2018-01-01"
test_end = "2019-12-31"
)";

// The stages a test of the models does not look at, kept quick.
constexpr const char* kQuickStages = R"([features]
truncation_cuts = 0
[controls]
enabled = false
[backtest]
top_k = 5
)";

std::string tiny_config(const std::string& extra = "") {
  return std::string(R"(name = "tiny"
seed = 3
models = ["always_up", "momentum_sign", "logistic_regression"]
[data]
dir = ")") + KESTREL_SAMPLE_DATA + "\"\n" + kSampleSplit + R"([evaluation.walk_forward]
first_date = "2011-01-03"
train_dates = 1008
valid_dates = 126
test_dates = 504
[features]
truncation_cuts = 0
[backtest]
top_k = 5
)" + extra;
}

TEST(PipelineConfig, ReadsATinyConfig) {
  const auto config = parse_pipeline_config(tiny_config(), "tiny.toml", ".");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->models.size(), 3u);
  EXPECT_EQ(config->seed, 3u);
  EXPECT_EQ(config->hash.size(), 16u);
  EXPECT_TRUE(config->model_configs.contains("logistic_regression"));
}

TEST(PipelineConfig, FixedSegmentsTakeExplicitEnds) {
  std::string text = tiny_config();
  text.replace(text.find("valid_begin"), 0, "train_end = \"2015-06-30\"\nvalid_end = \"2017-06-30\"\n");
  const auto config = parse_pipeline_config(text, "tiny.toml", ".");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->fixed.train_end, core::Date::from_ymd(2015, 6, 30));
  EXPECT_EQ(config->fixed.valid_end, core::Date::from_ymd(2017, 6, 30));
}

TEST(PipelineConfig, ExtraDataFoldersAreImportedBesideTheFirst) {
  std::string text = tiny_config();
  text.replace(text.find("[evaluation.fixed]"), 0, "extra_dirs = [\"midsmall\", \"/data/more\"]\n");
  const auto config = parse_pipeline_config(text, "tiny.toml", "/work/configs");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const auto dirs = config->data_dirs();
  ASSERT_EQ(dirs.size(), 3u);
  EXPECT_EQ(dirs[0], std::filesystem::path(KESTREL_SAMPLE_DATA));
  EXPECT_EQ(dirs[1], std::filesystem::path("/work/configs/midsmall"));  // relative to the config file
  EXPECT_EQ(dirs[2], std::filesystem::path("/data/more"));
  EXPECT_EQ(config->data_dirs_text(), std::string(KESTREL_SAMPLE_DATA) + " + /work/configs/midsmall + /data/more");
}

// Stacking's out-of-fold members must not train on labels that reach into the block they
// predict: the purge follows label.horizon + embargo unless set, and is never shorter.
TEST(PipelineConfig, TheStackingPurgeFollowsTheLabelHorizon) {
  const std::string stacking = "[model.stacking]\nmembers = [\"logistic_regression\"]\n";
  auto with_models = [&](std::string extra) {
    std::string text = tiny_config(std::move(extra));
    text.replace(text.find("\"logistic_regression\"]"), 22, "\"logistic_regression\", \"stacking\"]");
    return text;
  };
  const auto twenty = parse_pipeline_config(with_models("[label]\nhorizon = 20\n" + stacking), "tiny.toml", ".");
  ASSERT_TRUE(twenty.has_value()) << twenty.error().message;
  EXPECT_EQ(twenty->model_configs.at("stacking").stacking_purge_dates, 25u);  // 20 + the default embargo 5
  const auto one = parse_pipeline_config(with_models(stacking), "tiny.toml", ".");
  ASSERT_TRUE(one.has_value()) << one.error().message;
  EXPECT_EQ(one->model_configs.at("stacking").stacking_purge_dates, 6u);

  const auto too_short =
      parse_pipeline_config(with_models("[label]\nhorizon = 20\n" + stacking + "stacking_purge_dates = 10\n"),
                            "tiny.toml", ".");
  ASSERT_FALSE(too_short.has_value());
  EXPECT_NE(too_short.error().message.find("model.stacking.stacking_purge_dates: 10 is shorter than label.horizon 20"),
            std::string::npos)
      << too_short.error().message;
  const auto longer =
      parse_pipeline_config(with_models("[label]\nhorizon = 20\n" + stacking + "stacking_purge_dates = 40\n"),
                            "tiny.toml", ".");
  ASSERT_TRUE(longer.has_value()) << longer.error().message;
  EXPECT_EQ(longer->model_configs.at("stacking").stacking_purge_dates, 40u);
}

TEST(PipelineConfig, ExcessLabelsAreOverTheDataBenchmark) {
  const auto config = parse_pipeline_config(tiny_config() + "[label]\nkind = \"excess\"\nhorizon = 5\n", "tiny.toml", ".");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->label.kind, dataset::LabelKind::ExcessOverBenchmark);
  EXPECT_EQ(config->label.horizon, 5u);
  EXPECT_EQ(config->label.benchmark, "SPY");
}

TEST(PipelineConfig, UnknownKeysAndModelsAreErrorsAllReported) {
  const auto config = parse_pipeline_config(tiny_config("colour = 1\n[controls]\nmodle = \"x\"\n"), "tiny.toml", ".");
  ASSERT_FALSE(config.has_value());
  const auto& message = config.error().message;
  EXPECT_NE(message.find("tiny.toml:"), std::string::npos) << message;
  EXPECT_NE(message.find("backtest.colour: unknown key"), std::string::npos) << message;
  EXPECT_NE(message.find("controls.modle: unknown key"), std::string::npos) << message;

  std::string bad = tiny_config();
  bad.replace(bad.find("\"momentum_sign\""), 15, "\"oracle\"");
  const auto unknown = parse_pipeline_config(bad, "tiny.toml", ".");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("unknown model 'oracle'"), std::string::npos) << unknown.error().message;
}

TEST(PipelineConfig, NewsSentimentFeaturesNeedAStoreAndSomethingToScoreWith) {
  const auto ok = parse_pipeline_config(
      tiny_config("[features.sentiment]\nnews_db = \"news.db\"\nclassifier = \"clf\"\nhalf_life = 5\n"), "tiny.toml", "/w");
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_TRUE(ok->sentiment.enabled);
  EXPECT_EQ(ok->sentiment.news_db, std::filesystem::path("/w/news.db"));
  EXPECT_EQ(ok->sentiment.classifier, std::filesystem::path("/w/clf"));
  EXPECT_EQ(ok->sentiment.half_life, 5);
  EXPECT_FALSE(parse_pipeline_config(tiny_config(), "tiny.toml", "/w")->sentiment.enabled);
  const auto bad = parse_pipeline_config(
      tiny_config("[features.sentiment]\nvendor_scores = false\nnovelty_window = 0\nmood = 1\n"), "tiny.toml", "/w");
  ASSERT_FALSE(bad.has_value());
  for (const char* part : {"features.sentiment.news_db: required", "features.sentiment.classifier: required when vendor_scores is false",
                           "novelty_window", "mood"}) {
    EXPECT_NE(bad.error().message.find(part), std::string::npos) << part << "\n" << bad.error().message;
  }
}

// The whole path: tweets imported, a classifier trained, the pipeline selecting the sentiment
// features by config, the leak check recomputing them on cut data, a model trained on them.
TEST(Pipeline, NewsSentimentFeaturesJoinThePriceFeaturesAndPassTheLeakCheck) {
  testing::TempDir dir;
  const std::string kestrel = KESTREL_BINARY;
  const std::string news = std::string(KESTREL_SOURCE_DIR) + "/data/news-sample/";
  const auto imported = testing::run_command(kestrel + " news import " + news + "tweets-2014-sample.csv.gz --cashtag-alias BKNG=PCLN --db " +
                                             (dir / "news.db").string());
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  const auto trained = testing::run_command(kestrel + " news train --train " + news + "labelled-sentiment-train.csv.gz --valid " +
                                            news + "labelled-sentiment-valid.csv.gz --out " + (dir / "clf").string());
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  EXPECT_NE(trained.output.find("always 'neutral' (majority)"), std::string::npos) << trained.output;
  std::string text = tiny_config("[features.sentiment]\nnews_db = \"news.db\"\nclassifier = \"clf\"\n");
  // Only the tickers the news covers (data.tickers), and the benchmark.
  text.replace(text.find("[data]\n") + 7, 0,
               "tickers = [\"AAPL\", \"AMZN\", \"BAC\", \"BKNG\", \"CAT\", \"CVX\", \"DUK\", \"GE\", \"JNJ\", \"JPM\", "
               "\"MSFT\", \"PFE\", \"PG\", \"WMT\", \"XOM\"]\n");
  text.replace(text.find("truncation_cuts = 0"), 19, "truncation_cuts = 2");
  const std::string models = "models = [\"always_up\", \"momentum_sign\", \"logistic_regression\"]";
  text.replace(text.find(models), models.size(), "models = [\"logistic_regression\"]");
  testing::write_file(dir / "tiny.toml", text);
  const auto result = testing::run_command(kestrel + " --quiet pipeline --config " + (dir / "tiny.toml").string() +
                                           " --out " + (dir / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const std::string report = testing::read_file(dir / "out" / "report.md");
  EXPECT_NE(report.find("16 tickers, 114 features"), std::string::npos) << report.substr(0, 600);  // 105 + 9
  EXPECT_NE(report.find("news sentiment: "), std::string::npos) << report.substr(0, 600);
  EXPECT_NE(report.find("for 15 of 16 tickers, coverage 2014-01-01 .. 2014-12-31"), std::string::npos) << report.substr(0, 600);
  EXPECT_NE(report.find("Leak check on the real features: passed"), std::string::npos) << report;
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "predictions" / "logistic_regression.csv"));

  // Tickers the news never mentions: the run stops before training rather than use features
  // that say "no items" everywhere.
  std::string silent = text;
  silent.replace(silent.find("tickers = ["), silent.find("]\n", silent.find("tickers = [")) - silent.find("tickers = [") + 1,
                 "tickers = [\"NEM\", \"FCX\"]");
  testing::write_file(dir / "silent.toml", silent);
  const auto refused = testing::run_command(kestrel + " --quiet pipeline --config " + (dir / "silent.toml").string() +
                                            " --out " + (dir / "out-silent").string());
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("no news for any of the run's 3 tickers"), std::string::npos) << refused.output;

  // A coverage the data's dates never reach: every sentiment feature would be missing.
  std::string elsewhere = text;
  const std::string line = "classifier = \"clf\"\n";
  elsewhere.replace(elsewhere.find(line), line.size(), line + "coverage_from = 2030-01-01\ncoverage_to = 2030-12-31\n");
  testing::write_file(dir / "elsewhere.toml", elsewhere);
  const auto outside = testing::run_command(kestrel + " --quiet pipeline --config " + (dir / "elsewhere.toml").string() +
                                            " --out " + (dir / "out-elsewhere").string());
  EXPECT_EQ(outside.exit_code, 1) << outside.output;
  EXPECT_NE(outside.output.find("does not overlap the data's dates"), std::string::npos) << outside.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out-elsewhere" / "predictions" / "logistic_regression.csv"));  // stopped before training
}

// `kestrel news ablation`: the same config without and with the sentiment features, compared
// date by date with intervals; a config without [features.sentiment] has nothing to ablate.
TEST(Pipeline, NewsAblationRunsBothArmsAndJudgesTheDifferenceAgainstNoise) {
  testing::TempDir dir;
  const std::string kestrel = KESTREL_BINARY;
  const std::string news = std::string(KESTREL_SOURCE_DIR) + "/data/news-sample/";
  ASSERT_EQ(testing::run_command(kestrel + " news import " + news + "tweets-2014-sample.csv.gz --cashtag-alias BKNG=PCLN --db " +
                                 (dir / "news.db").string()).exit_code, 0);
  ASSERT_EQ(testing::run_command(kestrel + " news train --train " + news + "labelled-sentiment-train.csv.gz --out " +
                                 (dir / "clf").string()).exit_code, 0);
  // The sample's news covers 2014: train in its first half, test in its second.
  std::string text = std::string(R"(name = "abl"
seed = 5
models = ["logistic_regression"]
[data]
dir = ")") + KESTREL_SAMPLE_DATA + R"("
tickers = ["AAPL", "AMZN", "BAC", "CAT", "CVX", "GE", "JNJ", "JPM", "MSFT", "PFE", "PG", "WMT", "XOM"]
[evaluation]
importance_dates = 0
[evaluation.fixed]
train_begin = "2014-01-02"
valid_begin = "2014-06-02"
test_begin = "2014-08-01"
test_end = "2014-12-31"
[evaluation.walk_forward]
enabled = false
[controls]
enabled = false
[features]
truncation_cuts = 0
[features.sentiment]
news_db = "news.db"
classifier = "clf"
[backtest]
event_stop = -0.3
)";
  testing::write_file(dir / "abl.toml", text);
  const auto run = testing::run_command(kestrel + " --quiet news ablation --config " + (dir / "abl.toml").string() + " --out " +
                                        (dir / "out").string());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string md = testing::read_file(dir / "out" / "ablation.md");
  for (const char* part : {"| logistic_regression | accuracy |", "| logistic_regression | rank IC (daily mean) |",
                           "| logistic_regression | backtest CAGR |", "## Verdict", "- logistic_regression: 10",
                           "## The event stop", "below -0.3"}) {
    EXPECT_NE(md.find(part), std::string::npos) << part << "\n" << md;
  }
  // Both runs' own reports, the first without the sentiment features.
  const std::string without = testing::read_file(dir / "out" / "price-only" / "report.md");
  const std::string with = testing::read_file(dir / "out" / "with-sentiment" / "report.md");
  EXPECT_NE(without.find("14 tickers, 105 features"), std::string::npos) << without.substr(0, 400);
  EXPECT_NE(with.find("14 tickers, 114 features"), std::string::npos) << with.substr(0, 400);
  // Every interval is an interval around its difference.
  std::istringstream rows(md);
  std::string row;
  std::size_t checked = 0;
  const std::regex numbers(R"(\| ([-+0-9.]+) \| \[([-+0-9.]+), ([-+0-9.]+)\] \|)");
  while (std::getline(rows, row)) {
    std::smatch m;
    if (!std::regex_search(row, m, numbers)) continue;
    const double difference = std::stod(m[1]), low = std::stod(m[2]), high = std::stod(m[3]);
    EXPECT_LE(low, high) << row;
    EXPECT_LE(low, difference + 1e-4) << row;
    EXPECT_GE(high, difference - 1e-4) << row;
    ++checked;
  }
  EXPECT_EQ(checked, 4u) << md;
  // The event stop's backtest: its own report, and a row that says what it did.
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "with-sentiment" / "backtests" / "logistic_regression-event-stop" / "report.html"));
  const auto stop_row = md.find("\n| logistic_regression | ", md.find("## The event stop"));
  ASSERT_NE(stop_row, std::string::npos) << md;
  const std::string row_text = md.substr(stop_row, md.find('\n', stop_row + 1) - stop_row);
  EXPECT_TRUE(row_text.find("| noise |") != std::string::npos || row_text.find("| resolved |") != std::string::npos ||
              row_text.find("| the stop never fired |") != std::string::npos)
      << row_text;
  // Both arms' own backtests went without the stop: the features alone are compared.
  EXPECT_EQ(with.find("event stop"), std::string::npos) << with.substr(0, 600);

  text.erase(text.find("[features.sentiment]"));
  {  // An event stop without news to read is a config error.
    const auto stop_only = parse_pipeline_config(text + "[backtest]\nevent_stop = -0.3\n", "abl.toml", dir.path());
    ASSERT_FALSE(stop_only.has_value());
    EXPECT_NE(stop_only.error().message.find("backtest.event_stop: needs [features.sentiment]"), std::string::npos)
        << stop_only.error().message;
  }
  testing::write_file(dir / "plain.toml", text);
  const auto refused = testing::run_command(kestrel + " --quiet news ablation --config " + (dir / "plain.toml").string() +
                                            " --out " + (dir / "out2").string());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("the ablation needs [features.sentiment]"), std::string::npos) << refused.output;
}

// The RL stage, small: the agents observe the logistic regression's test predictions.
constexpr const char* kSmallRl = R"([rl]
scores = ["logistic_regression"]
test_days = 126
valid_days = 63
ppo_steps = 4000
dqn_steps = 4000
ppo_n_steps = 32
checks = 2
)";

TEST(PipelineConfig, RlScoresMustBeModelsOfTheRun) {
  const auto config = parse_pipeline_config(tiny_config(std::string(kSmallRl) + "folds = 0\n"), "tiny.toml", ".");
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find("rl.folds"), std::string::npos) << config.error().message;
  std::string text = tiny_config(kSmallRl);
  const std::string scores = "scores = [\"logistic_regression\"]";
  text.replace(text.find(scores), scores.size(), "scores = [\"lstm\"]");
  const auto unknown = parse_pipeline_config(text, "tiny.toml", ".");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("rl.scores: 'lstm' is not in `models`"), std::string::npos)
      << unknown.error().message;
  const auto good = parse_pipeline_config(tiny_config(kSmallRl), "tiny.toml", ".");
  ASSERT_TRUE(good.has_value()) << good.error().message;
  EXPECT_TRUE(good->rl.enabled);
  EXPECT_EQ(good->rl.ppo_steps, 4000u);
  EXPECT_FALSE(good->rl.walk_forward_scores) << "the test segment's predictions by default";
  EXPECT_TRUE(good->rl.feature_rows);

  // The walk-forward's predictions exist only for the models it runs.
  std::string wf = tiny_config(std::string(kSmallRl) + "predictions = \"walk_forward\"\n");
  wf.replace(wf.find("test_dates = 504"), 0, "models = [\"always_up\"]\n");
  const auto missing = parse_pipeline_config(wf, "tiny.toml", ".");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("'logistic_regression' has no walk-forward predictions"), std::string::npos)
      << missing.error().message;
  const auto typo = parse_pipeline_config(tiny_config(std::string(kSmallRl) + "predictions = \"walkforward\"\n"),
                                          "tiny.toml", ".");
  ASSERT_FALSE(typo.has_value());
  EXPECT_NE(typo.error().message.find("rl.predictions"), std::string::npos) << typo.error().message;
}

TEST(Pipeline, RunsEndToEndOnTheSampleData) {
  testing::TempDir dir;
  // The agents observe the walk-forward's out-of-fold predictions: years more than the test segment.
  testing::write_file(dir / "tiny.toml", tiny_config(std::string(kSmallRl) + "predictions = \"walk_forward\"\n"));
  const auto out = dir / "out";
  const auto result = testing::run_command(std::string(KESTREL_BINARY) + " --quiet pipeline --config " +
                                           (dir / "tiny.toml").string() + " --out " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* file : {"report.md", "report.html", "metrics.csv", "predictions/logistic_regression.csv",
                           "predictions/walk_forward/logistic_regression.csv", "backtests/logistic_regression/report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(out / file)) << file << "\n" << result.output;
  }
  const std::string report = testing::read_file(out / "report.md");
  EXPECT_NE(report.find("seed 3, config hash "), std::string::npos);
  EXPECT_NE(report.find("shuffled_labels: passed"), std::string::npos) << report;
  EXPECT_NE(report.find("planted_leak: passed"), std::string::npos) << report;
  EXPECT_NE(report.find("| logistic_regression |"), std::string::npos) << report;
  EXPECT_NE(report.find("## Training (fixed split)"), std::string::npos) << report;
  EXPECT_NE(report.find("walk-forward"), std::string::npos) << report;
  EXPECT_NE(report.find("buy-and-hold SPY"), std::string::npos) << report;
  EXPECT_NE(report.find("| costs / capital |"), std::string::npos) << report;
  // The RL agents beside the rules, each with its verdict against buy-and-hold.
  EXPECT_NE(report.find("## Reinforcement-learning agents"), std::string::npos) << report;
  // Trained on walk-forward scores from before the fixed test segment (2018) began.
  const auto fold = report.find("fold 1: train ");
  ASSERT_NE(fold, std::string::npos) << report;
  EXPECT_LT(std::stoi(report.substr(fold + 14, 4)), 2018) << report.substr(fold, 120);
  for (const char* row : {"| ppo_sizing", "| dqn_timing", "| ppo_dqn_system", "| score_topk", "| buy_and_hold_spy"}) {
    EXPECT_NE(report.find(row), std::string::npos) << row;
  }
  EXPECT_TRUE(report.find("dqn_timing does NOT beat buy-and-hold after costs") != std::string::npos ||
              report.find("dqn_timing beats buy-and-hold after costs") != std::string::npos)
      << report;
  // The model's predictions were actually traded.
  const std::string trades = testing::read_file(out / "backtests/logistic_regression/trades.csv");
  EXPECT_GT(std::count(trades.begin(), trades.end(), '\n'), 10) << trades.substr(0, 200);
  // Its costs in the report, recomputed here from its fills and the sample's own bars rather
  // than from the engine's cost accounting: every market order fills at the adjusted open of
  // its day moved 5 bps against the trader (the config's slippage_bps), pays the per-share
  // schedule ($0.005 a raw share, $1 minimum, 1% maximum, rounded up to the cent), and the
  // report's cost is commissions plus the slippage paid, over the initial capital.
  {
    auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
    ASSERT_TRUE(panel) << panel.error().message;
    constexpr double kSlippage = 5e-4;
    std::istringstream orders(testing::read_file(out / "backtests/logistic_regression/orders.csv"));
    std::string line;
    std::getline(orders, line);  // submitted,last_update,client_order_id,ticker,side,type,status,quantity,
                                 // filled_quantity,limit_price,stop_price,average_fill_price,commission,reason
    double traded = 0, commissions = 0, slippage = 0;
    std::size_t fills = 0;
    while (std::getline(orders, line)) {
      std::vector<std::string> cells;
      std::istringstream row(line);
      for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
      ASSERT_GE(cells.size(), 13u) << line;
      const double filled = std::stod(cells[8]);
      if (filled == 0) continue;
      ASSERT_EQ(cells[5], "market") << line;
      const auto i = panel->ticker_index(cells[3]);
      const auto date = core::Date::parse(cells[1]);
      ASSERT_TRUE(i && date) << line;
      const auto t = panel->date_index(*date);
      ASSERT_TRUE(t) << line;
      const double factor = panel->value(store::Field::AdjClose, *i, *t) / panel->value(store::Field::Close, *i, *t);
      const double open = panel->value(store::Field::Open, *i, *t) * factor;
      const double side = cells[4] == "buy" ? 1.0 : -1.0;
      const double price = std::stod(cells[11]);
      ASSERT_NEAR(price, open * (1 + side * kSlippage), 1e-6) << line;  // prices are kept to 1e-6 dollars
      const double schedule = std::min(std::max(0.005 * filled * factor, 1.0), 0.01 * filled * price);
      const double fee = std::ceil(schedule * 100 - 1e-7) / 100;
      ASSERT_NEAR(std::stod(cells[12]), fee, 1e-9) << line;
      traded += filled * price;
      commissions += fee;
      slippage += filled * std::abs(price - open);
      ++fills;
    }
    ASSERT_GT(fills, 10u);
    const double capital = 100'000;  // the default initial_cash
    const auto row = report.find("| logistic_regression | ", report.find("## Backtests"));
    ASSERT_NE(row, std::string::npos) << report;
    const std::string row_text = report.substr(row, report.find('\n', row) - row);
    std::smatch m;
    const std::regex costs(R"(\| ([0-9.]+)x \| ([0-9.]+)% \|)");
    ASSERT_TRUE(std::regex_search(row_text, m, costs)) << row_text;
    // The report rounds to 0.1x and 0.01%; it prices slippage as 5 bps of the traded value,
    // which differs from the slippage paid by at most 5 bps squared of it.
    EXPECT_NEAR(std::stod(m[1]), traded / capital, 0.05 + 1e-9) << row_text;
    EXPECT_NEAR(std::stod(m[2]), 100 * (commissions + slippage) / capital,
                0.005 + 100 * kSlippage * kSlippage * traded / capital + 1e-9)
        << row_text;
    EXPECT_GT(traded, capital);  // a daily top-5 rebalance trades more than its capital
  }
  const std::string predictions = testing::read_file(out / "predictions/always_up.csv");
  EXPECT_EQ(predictions.rfind("date,ticker,score\n2018-01-02,", 0), 0u) << predictions.substr(0, 80);
  // Scores at full float precision: 6 significant digits used to tie most of a day's scores.
  const std::string lr = testing::read_file(out / "predictions/logistic_regression.csv");
  const auto second_line = lr.find('\n') + 1;
  const std::string first_row = lr.substr(second_line, lr.find('\n', second_line) - second_line);
  const std::string score = first_row.substr(first_row.rfind(',') + 1);
  EXPECT_GE(score.size(), 9u) << first_row;
  // The benchmark's own row, and no verdict for a model that cannot rank the stocks.
  EXPECT_NE(report.find("| buy-and-hold SPY | "), std::string::npos) << report;
  const auto always_up = report.find("| always_up | ", report.find("## Backtests"));
  ASSERT_NE(always_up, std::string::npos);
  EXPECT_NE(report.substr(always_up, report.find('\n', always_up) - always_up).find("no verdict"), std::string::npos);
  // Every pair of models stock by stock, with the sign test; the counts add up.
  {
    const auto row = report.find("| momentum_sign | logistic_regression | ", report.find("## Model against model"));
    ASSERT_NE(row, std::string::npos) << report;
    std::smatch m;
    const std::string row_text = report.substr(row, report.find('\n', row) - row);
    ASSERT_TRUE(std::regex_search(row_text, m, std::regex(R"(\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| [0-9.]+% \| ([0-9.]+) \|)")))
        << row_text;
    EXPECT_EQ(std::stoi(m[1]), 20) << row_text;  // the sample's 20 stocks
    EXPECT_EQ(std::stoi(m[2]) + std::stoi(m[3]) + std::stoi(m[4]), std::stoi(m[1])) << row_text;
    const double p = std::stod(m[5]);
    EXPECT_GT(p, 0.0);
    EXPECT_LE(p, 1.0);
  }
  // The HTML report as a reader sees it at 1,400 px: its charts drawn, no table wider than the
  // page, nothing in the console.
  if (!testing::find_chromium().empty()) {
    testing::HeadlessBrowser browser(dir / "profile", 1400, 1000);
    ASSERT_TRUE(browser.ok()) << browser.error();
    ASSERT_TRUE(browser.navigate("file://" + std::filesystem::absolute(out / "report.html").string())) << browser.error();
    EXPECT_GE(browser.evaluate("document.querySelectorAll('svg.chart').length")->get<int>(), 4);  // equity, drawdowns, IC, calibration
    // Every model's equity line and the benchmark's: 3 models + SPY.
    EXPECT_GE(browser.evaluate("[...document.querySelectorAll('h2')].find(h => h.textContent.startsWith('Equity'))"
                               ".nextElementSibling.querySelectorAll('polyline').length")->get<int>(), 4);
    EXPECT_TRUE(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")->get<bool>())
        << browser.evaluate("document.documentElement.scrollWidth")->dump();
    const auto wide = browser.evaluate(
        "[...document.querySelectorAll('table')].filter(t => t.getBoundingClientRect().right > window.innerWidth)"
        ".map(t => t.rows[0].textContent.slice(0, 60))");
    ASSERT_TRUE(wide);
    EXPECT_TRUE(wide->empty()) << wide->dump();
    EXPECT_TRUE(browser.console().empty()) << ::testing::PrintToString(browser.console());
  }
  // The model each backtest traded is saved for trading, with its manifest.
  EXPECT_TRUE(std::filesystem::exists(out / "models/logistic_regression/kestrel-model.json"));
  EXPECT_TRUE(std::filesystem::exists(out / "models/logistic_regression/model.json"));
}

// The `fixed,<model>,all` row of metrics.csv as column -> text.
std::map<std::string, std::string> fixed_metrics(const std::filesystem::path& csv, const std::string& model) {
  std::istringstream in(testing::read_file(csv));
  std::string header_line, line;
  std::getline(in, header_line);
  auto split = [](const std::string& text) {
    std::vector<std::string> cells;
    std::istringstream row(text);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    return cells;
  };
  const auto header = split(header_line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    if (cells.size() != header.size() || cells[0] != "fixed" || cells[1] != model || cells[2] != "all") continue;
    std::map<std::string, std::string> out;
    for (std::size_t k = 0; k < cells.size(); ++k) out[header[k]] = cells[k];
    return out;
  }
  return {};
}

TEST(ModelRegistry, EveryTrainedModelIsRegisteredWithItsMetricsAndAnOverwrittenFolderIsSaidToBe) {
  testing::TempDir dir;
  testing::write_file(dir / "reg.toml", fmt::format(R"(name = "registry"
seed = 5
models = ["always_up", "logistic_regression"]
[data]
dir = "{}"
{}[evaluation.walk_forward]
enabled = false
[features]
truncation_cuts = 0
[controls]
enabled = false
[backtest]
top_k = 5
)",
                                                    KESTREL_SAMPLE_DATA, kSampleSplit));
  const auto out = dir / "out";
  const std::string exe = std::string(KESTREL_BINARY);
  const std::string pipeline = exe + " --quiet pipeline --config " + (dir / "reg.toml").string() + " --out " + out.string();
  const std::string db = " --db " + (out / "market.db").string();
  const auto empty = testing::run_command(exe + " models list --db " + (dir / "none.db").string());
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.output.find("no such store"), std::string::npos) << empty.output;

  auto first = testing::run_command(pipeline);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto listed = testing::run_command(exe + " models list --json" + db);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  auto models = nlohmann::json::parse(listed.output);
  ASSERT_EQ(models.size(), 2u) << listed.output;
  EXPECT_EQ(models[0]["name"], "always_up");
  EXPECT_EQ(models[1]["name"], "logistic_regression");
  for (const auto& m : models) {
    EXPECT_EQ(m["status"], "trained");
    EXPECT_EQ(m["train_begin"], "2011-01-03");
    EXPECT_EQ(m["label"], "direction_1d");
    // The registry's test metrics are the report's, to the last digit metrics.csv writes.
    const auto row = fixed_metrics(out / "metrics.csv", m["name"]);
    ASSERT_FALSE(row.empty()) << m["name"];
    EXPECT_NEAR(m["metrics"]["test"]["accuracy"].get<double>(), std::stod(row.at("accuracy")), 1e-12);
    EXPECT_EQ(m["metrics"]["test"]["samples"].get<std::size_t>(), std::stoul(row.at("samples")));
    EXPECT_TRUE(m["metrics"]["test"].contains("ic_dates"));
    EXPECT_TRUE(m["metrics"].contains("backtest")) << m["metrics"].dump();
  }
  EXPECT_TRUE(models[0]["metrics"]["test"]["rank_ic"].is_null());  // always_up cannot rank: NaN, stored as null
  // What each relies on, measured on the validation window: always_up on nothing.
  EXPECT_EQ(models[0]["metrics"]["importance"]["top"][0]["drop"].get<double>(), 0.0);
  EXPECT_GT(models[1]["metrics"]["importance"]["top"][0]["drop"].get<double>(), 0.0);
  EXPECT_EQ(models[1]["metrics"]["importance"]["top"].size(), 20u);
  EXPECT_EQ(models[1]["metrics"]["importance"]["metric"], "AUC");
  const std::string report = testing::read_file(out / "report.md");
  EXPECT_NE(report.find("## What each model relies on (permutation importance, validation window)"), std::string::npos);
  EXPECT_NE(report.find("| 1 | ret_1d (+0.0000) | " +
                        models[1]["metrics"]["importance"]["top"][0]["feature"].get<std::string>() + " ("),
            std::string::npos)
      << report;
  EXPECT_NEAR(models[1]["metrics"]["test"]["rank_ic"].get<double>(),
              std::stod(fixed_metrics(out / "metrics.csv", "logistic_regression").at("rank_ic")), 1e-12);

  const auto table = testing::run_command(exe + " models list" + db);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("logistic_regression"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("2011-01-03.."), std::string::npos) << table.output;

  const auto shown = testing::run_command(exe + " models show --json logistic_regression" + db);
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  const auto model = nlohmann::json::parse(shown.output);
  EXPECT_EQ(model["files"], "unchanged since registration");
  EXPECT_EQ(model["path"], std::filesystem::absolute(out / "models/logistic_regression").string());
  const auto manifest = nlohmann::json::parse(testing::read_file(out / "models/logistic_regression/kestrel-model.json"));
  EXPECT_EQ(model["features"], manifest["features"]);
  EXPECT_EQ(model["config_hash"], manifest["config_hash"]);
  const auto missing = testing::run_command(exe + " models show nosuchmodel" + db);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("registered: 1 (always_up), 2 (logistic_regression)"), std::string::npos) << missing.output;

  // Edited by hand: the registry says the folder no longer holds the model it registered.
  testing::write_file(out / "models/logistic_regression/model.json", "{}");
  const auto changed = testing::run_command(exe + " models show 2" + db);
  ASSERT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_NE(changed.output.find("CHANGED since registration"), std::string::npos) << changed.output;

  // A second run into the same folder: new entries, the old ones marked overwritten.
  auto second = testing::run_command(pipeline);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  models = nlohmann::json::parse(testing::run_command(exe + " models list --json" + db).output);
  ASSERT_EQ(models.size(), 4u);
  EXPECT_EQ(models[0]["status"], "overwritten");
  EXPECT_EQ(models[1]["status"], "overwritten");
  EXPECT_EQ(models[2]["status"], "trained");
  EXPECT_EQ(models[3]["status"], "trained");
  EXPECT_EQ(models[3]["metrics"]["test"], models[1]["metrics"]["test"]);  // same seed, same data: same model
  const auto newest = nlohmann::json::parse(testing::run_command(exe + " models show --json logistic_regression" + db).output);
  EXPECT_EQ(newest["id"], 4);
  EXPECT_EQ(newest["files"], "unchanged since registration");
}

// `kestrel retrain` on the sample: the verdict follows its own statistic, the registry records it,
// and a challenger identical to the champion is never promoted.
TEST(Retrain, TheChallengerIsPromotedOnlyWhenItsShadowRankIcBeatsTheChampionsByTheMargin) {
  testing::TempDir dir;
  testing::write_file(dir / "lr.toml", fmt::format(R"(name = "retrain"
seed = 9
models = ["logistic_regression"]
[data]
dir = "{}"
{}[evaluation.walk_forward]
enabled = false
[features]
truncation_cuts = 0
[controls]
enabled = false
)",
                                                   KESTREL_SAMPLE_DATA, kSampleSplit));
  const auto out = dir / "out";
  const std::string exe = std::string(KESTREL_BINARY) + " --quiet ";
  const auto pipeline = testing::run_command(exe + "pipeline --config " + (dir / "lr.toml").string() + " --out " + out.string());
  ASSERT_EQ(pipeline.exit_code, 0) << pipeline.output;
  const std::string retrain = exe + "retrain --config " + (dir / "lr.toml").string() + " --out " + out.string() +
                              " --model logistic_regression --shadow-days 126 ";
  auto statuses = [&] {
    const auto listed = testing::run_command(exe + "models list --json --db " + (out / "market.db").string());
    std::vector<std::string> s;
    for (const auto& m : nlohmann::json::parse(listed.output)) s.push_back(m["status"].get<std::string>());
    return s;
  };
  // The decision file the command names: a new one each time.
  std::set<std::string> decision_files;
  auto decision = [&](const std::string& output) {
    const auto at = output.find("decision: ");
    EXPECT_NE(at, std::string::npos) << output;
    const std::string path = output.substr(at + 10, output.find('\n', at) - at - 10);
    EXPECT_TRUE(decision_files.insert(path).second) << path << " was written over";
    return nlohmann::json::parse(testing::read_file(path));
  };

  // An impossible margin: kept, and the verdict is the file's own arithmetic.
  const auto kept = testing::run_command(retrain + "--margin-z 1e9");
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_NE(kept.output.find("KEPT: registry entry 1"), std::string::npos) << kept.output;
  auto d = decision(kept.output);
  EXPECT_FALSE(d["promoted"].get<bool>());
  EXPECT_EQ(d["shadow"]["begin"], "2019-07-02");
  const auto champion_ic = d["daily_rank_ic"]["champion"].get<std::vector<double>>();
  const auto challenger_ic = d["daily_rank_ic"]["challenger"].get<std::vector<double>>();
  ASSERT_EQ(champion_ic.size(), challenger_ic.size());
  ASSERT_EQ(champion_ic.size(), d["shadow"]["sessions_compared"].get<std::size_t>());
  EXPECT_GE(champion_ic.size(), 120u);  // 20 stocks scored by both on nearly every shadow session
  double sum = 0, sq = 0;
  for (std::size_t k = 0; k < champion_ic.size(); ++k) sum += challenger_ic[k] - champion_ic[k];
  const double n = static_cast<double>(champion_ic.size()), mean = sum / n;
  for (std::size_t k = 0; k < champion_ic.size(); ++k) sq += std::pow(challenger_ic[k] - champion_ic[k] - mean, 2);
  const double z = mean / std::sqrt(sq / (n - 1) / n);
  EXPECT_NEAR(d["mean_difference"].get<double>(), mean, 1e-12);
  EXPECT_NEAR(d["z"].get<double>(), z, 1e-9);
  EXPECT_GT(d["challenger"]["trained"]["end"].get<std::string>(), "2018-12-01");  // on the latest data
  EXPECT_EQ(statuses(), (std::vector<std::string>{"champion", "challenger"}));

  // Any margin: promoted; the old champion retired.
  const auto promoted = testing::run_command(retrain + "--margin-z -1e9");
  ASSERT_EQ(promoted.exit_code, 0) << promoted.output;
  EXPECT_NE(promoted.output.find("PROMOTED: registry entry 3"), std::string::npos) << promoted.output;
  EXPECT_TRUE(decision(promoted.output)["promoted"].get<bool>());
  EXPECT_EQ(statuses(), (std::vector<std::string>{"retired", "challenger", "champion"}));

  // The new champion against a challenger trained the same way on the same data: no difference,
  // never a promotion, however generous the margin.
  const auto same = testing::run_command(retrain + "--margin-z 0");
  ASSERT_EQ(same.exit_code, 0) << same.output;
  d = decision(same.output);
  EXPECT_FALSE(d["promoted"].get<bool>()) << d.dump(2);
  EXPECT_EQ(d["mean_difference"].get<double>(), 0.0);
  EXPECT_EQ(d["champion"]["id"], 3);
  EXPECT_EQ(statuses(), (std::vector<std::string>{"retired", "challenger", "champion", "challenger"}));

  // A model the config does not train, and a champion whose files were changed, are refused.
  const auto unknown = testing::run_command(exe + "retrain --config " + (dir / "lr.toml").string() + " --out " +
                                            out.string() + " --model xgboost");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("xgboost is not one of the config's models"), std::string::npos) << unknown.output;
  const auto champion_dir = nlohmann::json::parse(testing::run_command(exe + "models show --json 3 --db " +
                                                                       (out / "market.db").string())
                                                      .output)["path"]
                                .get<std::string>();
  testing::write_file(std::filesystem::path(champion_dir) / "model.json", "{}");
  const auto edited = testing::run_command(retrain);
  EXPECT_NE(edited.exit_code, 0);
  EXPECT_NE(edited.output.find("no longer holds the model registered as 3"), std::string::npos) << edited.output;
}

// The pipeline's backtests can be market-neutral and turnover-controlled like any signal
// backtest, and are judged as such.
TEST(Pipeline, LongShortBacktestsShortTheBottomAndAreJudgedAgainstZero) {
  testing::TempDir dir;
  testing::write_file(dir / "ls.toml", fmt::format(R"(name = "ls"
seed = 4
models = ["logistic_regression"]
[data]
dir = "{}"
{}[evaluation.walk_forward]
enabled = false
[features]
truncation_cuts = 0
[controls]
enabled = false
[backtest]
top_k = 3
long_short = true
hold_band = 2
rebalance_every = 5
)",
                                                   KESTREL_SAMPLE_DATA, kSampleSplit));
  const auto out = dir / "out";
  const auto r = testing::run_command(std::string(KESTREL_BINARY) + " --quiet pipeline --config " +
                                      (dir / "ls.toml").string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string report = testing::read_file(out / "report.md");
  EXPECT_NE(report.find("backtests: top 3 long, bottom 3 short, hold band 2, decide every 5 days"), std::string::npos)
      << report;
  EXPECT_NE(report.find("long-short: "), std::string::npos) << report;
  EXPECT_NE(report.find("judged against zero, not buy-and-hold"), std::string::npos) << report;
  // A short: a filled sell of a name the book did not hold.
  std::istringstream orders(testing::read_file(out / "backtests/logistic_regression/orders.csv"));
  std::string line;
  std::getline(orders, line);
  std::map<std::string, double> held;
  int shorts = 0;
  while (std::getline(orders, line)) {
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    const double filled = std::stod(cells[8]);
    if (filled == 0) continue;
    const double before = held[cells[3]];
    held[cells[3]] += cells[4] == "buy" ? filled : -filled;
    if (before <= 0 && held[cells[3]] < 0 && cells[4] == "sell") ++shorts;
  }
  EXPECT_GT(shorts, 3) << "no short was opened";
}

// The ensembles take the standalone models' fits of their members (ml/fitted_model_cache.hpp)
// rather than fitting them again, and say so in the report.
TEST(Pipeline, EnsemblesReuseTheStandaloneFitsOfTheirMembers) {
  testing::TempDir dir;
  std::string text = tiny_config(R"([controls]
enabled = false
[model.ensemble_average]
members = ["logistic_regression", "momentum_sign"]
[model.stacking]
members = ["logistic_regression", "momentum_sign"]
stacking_folds = 3
)");
  text.replace(text.find("[\"always_up\", \"momentum_sign\", \"logistic_regression\"]"), 53,
               "[\"momentum_sign\", \"logistic_regression\", \"ensemble_average\", \"stacking\"]");
  text.replace(text.find("[evaluation.walk_forward]"), 25, "[evaluation.walk_forward]\nenabled = false");
  testing::write_file(dir / "tiny.toml", text);
  const auto result = testing::run_command(std::string(KESTREL_BINARY) + " pipeline --config " +
                                           (dir / "tiny.toml").string() + " --out " + (dir / "out").string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // And their scores: stacking's logistic_regression member is the standalone fit, so its test
  // scores and the scores of every shuffled window of its importance (the same shuffles) are
  // taken from the prediction memo: at least 1 + 1 + 105 features. (ensemble_average gives that
  // member no weight on this data, so it does not ask for its scores.)
  const auto line = result.output.find("predictions: ");
  ASSERT_NE(line, std::string::npos) << result.output;
  const std::size_t taken = std::stoul(result.output.substr(line + 13));
  EXPECT_GE(taken, 107u) << result.output.substr(line, 120);
  const std::string report = testing::read_file(dir / "out" / "report.md");
  EXPECT_NE(report.find("weights logistic_regression 0.000"), std::string::npos);
  std::size_t reused = 0;
  for (auto at = report.find("the run's earlier fits of logistic_regression, momentum_sign reused");
       at != std::string::npos; at = report.find("the run's earlier fits of logistic_regression, momentum_sign reused", at + 1)) {
    ++reused;
  }
  EXPECT_EQ(reused, 2u) << report;  // ensemble_average's row and stacking's
}

TEST(Pipeline, AnUnknownBenchmarkFailsBeforeAnyTraining) {
  testing::TempDir dir;
  std::string config = tiny_config();
  config.replace(config.find("[data]\n"), 7, "[data]\nbenchmark = \"NOPE\\\" ]\\n[x]\"\n");
  testing::write_file(dir / "tiny.toml", config);
  const auto result = testing::run_command(std::string(KESTREL_BINARY) + " --quiet pipeline --config " +
                                           (dir / "tiny.toml").string() + " --out " + (dir / "out").string());
  EXPECT_NE(result.exit_code, 0) << result.output;
  // The crafted string is a value: it names no ticker, it cannot add a table to a config.
  EXPECT_NE(result.output.find("kestrel: error: data.benchmark 'NOPE\" ]\n[x]' is not in the data"), std::string::npos)
      << result.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "predictions" / "always_up.csv"));
}

TEST(Pipeline, OutputPathsAreValuesNotConfigText) {
  // A quote in --out used to break the generated backtest configs after all the training.
  testing::TempDir dir;
  std::string config = tiny_config();
  config.replace(config.find("\"always_up\", \"momentum_sign\", \"logistic_regression\""),
                 std::string("\"always_up\", \"momentum_sign\", \"logistic_regression\"").size(), "\"momentum_sign\"");
  testing::write_file(dir / "tiny.toml", config);
  const auto out = dir / "quoted\"out";
  const auto result = testing::run_command(std::string(KESTREL_BINARY) + " --quiet pipeline --config " +
                                           (dir / "tiny.toml").string() + " --out '" + out.string() + "'");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(std::filesystem::exists(out / "backtests/momentum_sign/report.html")) << result.output;
}

TEST(PipelineConfig, NamesArePlainSoOutputStaysInItsFolder) {
  for (const char* name : {"../escape", "/abs", ".hidden", "a b"}) {
    std::string config = tiny_config();
    config.replace(config.find("name = \"tiny\""), 13, fmt::format("name = \"{}\"", name));
    const auto parsed = parse_pipeline_config(config, "tiny.toml", ".");
    ASSERT_FALSE(parsed) << name;
    EXPECT_NE(parsed.error().message.find("name: must be a plain name"), std::string::npos) << parsed.error().message;
  }
}

// Same seed and thread count, two processes: byte-identical predictions, networks included;
// another seed: different networks.
// The explanations a reader looks at rather than reads: the Transformer's attention (a
// heatmap row per layer and head, a cell per day of the window, and the table of how far
// back each head looks) and every model's importance as bars, with tables that fit the page.
TEST(Pipeline, DrawsTheTransformersAttentionAndEveryModelsImportance) {
  testing::TempDir dir;
  std::string config = tiny_config(R"([controls]
enabled = false
[model]
epochs = 1
max_train_samples = 2000
lookback = 12
d_model = 8
heads = 2
layers = 2
ff_dim = 16
)");
  config.replace(config.find("models = ["), config.find('\n', config.find("models = [")) - config.find("models = ["),
                 "models = [\"logistic_regression\", \"transformer\"]\n[evaluation]\nimportance_dates = 10\n"
                 "attention_samples = 300");
  config.replace(config.find("[evaluation.walk_forward]\n"), 26, "[evaluation.walk_forward]\nenabled = false\n");
  testing::write_file(dir / "explain.toml", config);
  const auto out = dir / "out";
  const auto result = testing::run_command(std::string(KESTREL_BINARY) + " --quiet pipeline --config " +
                                           (dir / "explain.toml").string() + " --out " + out.string());
  ASSERT_EQ(result.exit_code, 0) << result.output << config;
  const std::string report = testing::read_file(out / "report.md");
  const auto section = report.find("## Where the Transformer looks (attention, test segment)");
  ASSERT_NE(section, std::string::npos) << report;
  const std::string attention = report.substr(section, report.find("\n## ", section + 1) - section);
  EXPECT_NE(attention.find("| model | layer | head 1 | head 2 | on day t | spread evenly |"), std::string::npos)
      << attention;
  for (const char* layer : {"| transformer | 1 | ", "| transformer | 2 | "}) {
    const auto row = attention.find(layer);
    ASSERT_NE(row, std::string::npos) << attention;
    // Mean lags lie in [0, 11] days for a 12-day window; uniform attention is 5.5 days, 8.33%.
    std::smatch m;
    const std::string text = attention.substr(row, attention.find('\n', row) - row);
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(\| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+)% \| 5\.5 days, 8\.33% \|)")))
        << text;
    for (int k : {1, 2}) {
      EXPECT_GE(std::stod(m[k]), 0.0) << text;
      EXPECT_LE(std::stod(m[k]), 11.0) << text;
    }
    EXPECT_GT(std::stod(m[3]), 0.0) << text;
    EXPECT_LT(std::stod(m[3]), 100.0) << text;
  }
  EXPECT_EQ(attention.find("logistic_regression"), std::string::npos) << "no attention of its own";
  EXPECT_EQ(report.find("<svg"), std::string::npos) << "pictures are for the HTML report";

  const std::string html = testing::read_file(out / "report.html");
  std::size_t cells = 0;
  for (auto at = html.find("<title>layer "); at != std::string::npos; at = html.find("<title>layer ", at + 1)) ++cells;
  EXPECT_EQ(cells, 2u * 2u * 12u);  // layers x heads x days of the window
  EXPECT_NE(html.find("attention of day t over its 12-day window (300 test predictions)"), std::string::npos);
  if (!testing::find_chromium().empty()) {
    testing::HeadlessBrowser browser(dir / "profile", 1400, 1000);
    ASSERT_TRUE(browser.ok()) << browser.error();
    ASSERT_TRUE(browser.navigate("file://" + std::filesystem::absolute(out / "report.html").string())) << browser.error();
    // Equity, drawdowns, rank IC, calibration, two importance bar charts, one heatmap.
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('svg.chart').length")->get<int>(), 7);
    // The importance bars: ten per model.
    EXPECT_EQ(browser.evaluate("document.querySelectorAll('figure svg.chart rect').length")->get<int>(), 20);
    EXPECT_TRUE(browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")->get<bool>());
    EXPECT_TRUE(browser.console().empty()) << ::testing::PrintToString(browser.console());
  }
}

TEST(Pipeline, SameSeedReproducesPredictionsAcrossRuns) {
  testing::TempDir dir;
  auto run = [&](const std::string& name, int seed) {
    testing::write_file(dir / (name + ".toml"), fmt::format(R"(name = "{}"
seed = {}
threads = 2
models = ["mlp", "lstm", "transformer", "ensemble_average"]
[data]
dir = "{}"
[evaluation]
importance_dates = 0  # the networks' importance is not what this test is about, and it is slow
{}[evaluation.walk_forward]
enabled = false
{}[model]
epochs = 2
max_train_samples = 4000
lookback = 10
mlp_hidden = [16]
lstm_hidden = 16
d_model = 16
heads = 2
ff_dim = 32
[model.ensemble_average]
members = ["logistic_regression", "mlp"]
)",
                                                            name, seed, KESTREL_SAMPLE_DATA, kSampleSplit, kQuickStages));
    const auto out = dir / name;
    const auto result = testing::run_command(std::string(KESTREL_BINARY) + " --quiet pipeline --config " +
                                             (dir / (name + ".toml")).string() + " --out " + out.string());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return out;
  };
  const auto first = run("first", 11);
  const auto second = run("second", 11);
  const auto other = run("other", 12);
  for (const char* model : {"mlp", "lstm", "transformer", "ensemble_average"}) {
    const auto file = std::string("predictions/") + model + ".csv";
    const std::string a = testing::read_file(first / file);
    ASSERT_GT(a.size(), 1000u) << file;
    EXPECT_EQ(a, testing::read_file(second / file)) << model << ": same seed, different predictions";
    EXPECT_NE(a, testing::read_file(other / file)) << model << ": another seed, same predictions";
  }
}

// XGBoost's walk-forward runs on a worker thread beside the models after it, each side with
// half the cores; its scores are those of the same walk-forward run in place on as many
// threads, and the model trained meanwhile scores as it does on as many threads without XGBoost.
TEST(Pipeline, XGBoostWalkForwardBesideTheNextModelsScoresAsInPlace) {
  testing::TempDir dir;
  auto run = [&](const std::string& name, int threads, const std::string& models, const std::string& walk_forward) {
    testing::write_file(dir / (name + ".toml"), fmt::format(R"(name = "{}"
seed = 5
threads = {}
models = {}
[data]
dir = "{}"
[evaluation]
importance_dates = 0
{}[evaluation.walk_forward]
first_date = "2011-01-03"
train_dates = 1008
valid_dates = 126
test_dates = 504
models = {}
{}[model]
epochs = 2
max_train_samples = 4000
mlp_hidden = [16]
xgb_rounds = 20
)",
                                                            name, threads, models, KESTREL_SAMPLE_DATA, kSampleSplit,
                                                            walk_forward, kQuickStages));
    const auto out = dir / name;
    const auto result = testing::run_command(std::string(KESTREL_BINARY) + " pipeline --config " +
                                             (dir / (name + ".toml")).string() + " --out " + out.string());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return std::make_pair(out, result.output);
  };
  const auto [beside, beside_log] = run("beside", 2, R"(["xgboost", "mlp"])", R"(["xgboost"])");
  const auto [in_place, in_place_log] = run("in_place", 1, R"(["xgboost", "mlp"])", R"(["xgboost"])");
  const auto [alone, alone_log] = run("alone", 1, R"(["mlp"])", "[]");
  EXPECT_NE(beside_log.find("model xgboost: walk-forward over 3 folds on 1 thread beside the next models (they get 1)"),
            std::string::npos) << beside_log;
  EXPECT_NE(beside_log.find("model xgboost: walk-forward (beside the next models)"), std::string::npos) << beside_log;
  EXPECT_NE(in_place_log.find("model xgboost: walk-forward over 3 folds\n"), std::string::npos) << in_place_log;
  const std::string scores = testing::read_file(beside / "predictions/walk_forward/xgboost.csv");
  ASSERT_GT(scores.size(), 1000u);
  EXPECT_TRUE(scores == testing::read_file(in_place / "predictions/walk_forward/xgboost.csv"))
      << "xgboost's walk-forward scores differ beside the next models and in place";
  const std::string mlp = testing::read_file(beside / "predictions/mlp.csv");
  ASSERT_GT(mlp.size(), 1000u);
  EXPECT_TRUE(mlp == testing::read_file(alone / "predictions/mlp.csv"))
      << "the mlp trained beside xgboost's walk-forward scores differently from the mlp alone";
  // The report has the walk-forward's metrics once they were collected: xgboost's pooled row.
  const auto walk_forward_row = [](const std::filesystem::path& out) {
    const std::string report = testing::read_file(out / "report.md");
    const auto section = report.find("Out-of-sample metrics: walk-forward");
    const auto row = section == std::string::npos ? section : report.find("| xgboost", section);
    return row == std::string::npos ? std::string() : report.substr(row, report.find('\n', row) - row);
  };
  EXPECT_FALSE(walk_forward_row(beside).empty());
  EXPECT_EQ(walk_forward_row(beside), walk_forward_row(in_place));
}

}  // namespace
}  // namespace kestrel::pipeline
