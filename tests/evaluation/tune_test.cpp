// `kestrel tune`: the tuning config, the search (successive halving and random) on a synthetic
// objective, and a small search on the sample data end to end — every declared trial counted,
// every evaluation in the store, nothing tuned on the test segment.
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "pipeline/tune.hpp"
#include "pipeline/tune_config.hpp"
#include "store/market_store.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"

namespace kestrel::pipeline {
namespace {

constexpr const char* kSpace = R"(name = "lr-search"
pipeline = "pipeline.toml"
model = "logistic_regression"
search = "halving"
trials = 9
eta = 3
seed = 11
[params]
"model.logistic_regression.logistic_l2" = { log_uniform = [0.001, 10.0] }
"backtest.top_k" = { choice = [3, 5, 8] }
"model.epochs" = { int = [2, 4] }
)";

TEST(TuneConfig, ReadsTheSpaceAndDrawsTheSameTrialsForTheSameSeed) {
  const auto config = parse_tune_config(kSpace, "space.toml", "/base");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->pipeline, std::filesystem::path("/base/pipeline.toml"));
  EXPECT_EQ(config->params.size(), 3u);
  EXPECT_EQ(config->hash.size(), 16u);
  const auto a = sample_trials(*config);
  const auto b = sample_trials(*config);
  ASSERT_EQ(a.size(), 9u);
  EXPECT_EQ(a, b);
  std::set<std::int64_t> top_k, epochs;
  for (const auto& t : a) {
    const double l2 = t["model.logistic_regression.logistic_l2"].get<double>();
    EXPECT_GE(l2, 0.001);
    EXPECT_LE(l2, 10.0);
    top_k.insert(t["backtest.top_k"].get<std::int64_t>());
    epochs.insert(t["model.epochs"].get<std::int64_t>());
  }
  EXPECT_TRUE(std::includes(std::set<std::int64_t>{3, 5, 8}.begin(), std::set<std::int64_t>{3, 5, 8}.end(), top_k.begin(), top_k.end()));
  EXPECT_GE(top_k.size(), 2u);  // nine draws of three values
  for (auto e : epochs) EXPECT_TRUE(e >= 2 && e <= 4) << e;
  auto other = *config;
  other.seed = 12;
  EXPECT_NE(sample_trials(other), a);
}

TEST(TuneConfig, KeysThatChangeTheDataOrFoldsAreRefusedAllReported) {
  const auto config = parse_tune_config(R"(name = "bad"
pipeline = "p.toml"
model = "xgboost"
colour = 1
[params]
"label.horizon" = { choice = [1, 5] }
"evaluation.walk_forward.test_dates" = { int = [100, 200] }
"model.xgb_eta" = { log_uniform = [0.0, 0.3] }
"model.xgb_max_depth" = { int = [2.5, 2.7] }
"backtest.top_k" = [3, 5]
"backtest.slippage_bps" = { choice = [1, 5] }
)",
                                        "bad.toml", ".");
  ASSERT_FALSE(config);
  const auto& m = config.error().message;
  for (const char* expected : {"colour: unknown key", "params.label.horizon: trials must share the data",
                               "params.evaluation.walk_forward.test_dates: trials must share",
                               "params.model.xgb_eta.log_uniform: [lo, hi] with 0 < lo <= hi",
                               "params.model.xgb_max_depth.int: no whole number", "params.backtest.top_k: one of",
                               "params.backtest.slippage_bps: the objective's portfolio uses backtest.top_k"}) {
    EXPECT_NE(m.find(expected), std::string::npos) << expected << "\n" << m;
  }
  EXPECT_NE(m.find("bad.toml"), std::string::npos) << m;
}

// Trial k scores 0.1 k on any budget, plus 0.01 per fold; trial 7 fails. Halving with nine
// trials and nine folds: every trial on 1 fold, the best three on 3, the best one on all 9.
TEST(TuneSearch, SuccessiveHalvingTakesTheBestThirdOnToMoreFolds) {
  auto config = *parse_tune_config(kSpace, "space.toml", ".");
  EXPECT_EQ(rung_budgets(TuneConfig::Search::Halving, 9, 9, 3), (std::vector<std::size_t>{1, 3, 9}));
  EXPECT_EQ(rung_budgets(TuneConfig::Search::Halving, 3, 9, 3), (std::vector<std::size_t>{1, 3}));  // 1, 1, 3: one rung of each budget
  EXPECT_EQ(rung_budgets(TuneConfig::Search::Random, 9, 9, 3), (std::vector<std::size_t>{9}));
  const auto trials = sample_trials(config);
  for (std::size_t jobs : {1u, 3u}) {
    std::mutex m;
    std::vector<std::pair<std::size_t, std::size_t>> calls;
    const auto records = run_search(config, trials, 9, local_rungs([&](std::size_t k, std::size_t folds) {
      {
        std::lock_guard lock(m);
        calls.emplace_back(k, folds);
      }
      TrialEvaluation e;
      e.folds = folds;
      if (k == 7) {
        e.error = "diverged";
        e.sharpe = std::nan("");
      } else {
        e.sharpe = 0.1 * static_cast<double>(k) + 0.01 * static_cast<double>(folds);
      }
      return e;
    }, jobs));
    ASSERT_EQ(records.size(), 9u + 3u + 1u) << jobs;
    std::set<std::size_t> rung1, rung2;
    for (const auto& r : records) {
      if (r.rung == 1) rung1.insert(r.trial);
      if (r.rung == 2) rung2.insert(r.trial);
      EXPECT_EQ(r.params, trials[r.trial]);
    }
    EXPECT_EQ(rung1, (std::set<std::size_t>{5, 6, 8})) << "the failed trial 7 goes last";
    EXPECT_EQ(rung2, (std::set<std::size_t>{8}));
    EXPECT_EQ(records.back().status, "best");
    EXPECT_EQ(records.back().evaluation.folds, 9u);
    EXPECT_EQ(std::count_if(records.begin(), records.end(), [](const auto& r) { return r.status == "pruned"; }), 12);
    EXPECT_EQ(calls.size(), 13u);
  }
}

TEST(TuneSearch, RandomSearchRunsEveryTrialOnEveryFold) {
  auto config = *parse_tune_config(kSpace, "space.toml", ".");
  config.search = TuneConfig::Search::Random;
  const auto records = run_search(config, sample_trials(config), 4, local_rungs([](std::size_t k, std::size_t folds) {
    TrialEvaluation e;
    e.folds = folds;
    e.sharpe = k == 3 ? 2.0 : 0.5;
    return e;
  }, 2));
  ASSERT_EQ(records.size(), 9u);
  for (const auto& r : records) {
    EXPECT_EQ(r.evaluation.folds, 4u);
    EXPECT_EQ(r.status, r.trial == 3 ? "best" : "completed");
  }
}

// The objective's portfolio worked by hand: three names, top 1, 10 bps a side.
//   day 0: A .9 (+1%), B .5 (0), C .1 (-1%): buy A (traded 1): 1% - 0.1% = +0.9%
//   day 1: B .9 (-1%), A .8 (+2%), C .1: band 0 swaps A for B (traded 2): -1% - 0.2% = -1.2%;
//          band 1 keeps A, ranked second (traded 0): +2%
//   day 2: C .9 (+3%), B .5 (+1%), A .1 (-2%): rebalancing every 2nd period holds day 1's name.
TEST(TuneObjective, ThePortfolioOfTheScoresMatchesTheHandComputation) {
  using evaluation::ScoredSample;
  auto sample = [](std::uint32_t ticker, std::uint32_t t, float score, float ret) {
    return ScoredSample{.ticker = ticker, .t = t, .fold = 0, .label = ret > 0 ? 1.0f : 0.0f, .score = score, .forward_return = ret};
  };
  const std::vector<ScoredSample> samples = {
      sample(0, 0, 0.9f, 0.01f), sample(1, 0, 0.5f, 0.0f), sample(2, 0, 0.1f, -0.01f),
      sample(1, 1, 0.9f, -0.01f), sample(0, 1, 0.8f, 0.02f), sample(2, 1, 0.1f, 0.0f),
      sample(2, 2, 0.9f, 0.03f), sample(1, 2, 0.5f, 0.01f), sample(0, 2, 0.1f, -0.02f)};
  BacktestSettings shape;
  shape.top_k = 1;
  auto plain = objective_portfolio(samples, 1, shape, 10);
  ASSERT_EQ(plain.returns.size(), 3u);
  EXPECT_NEAR(plain.returns[0], 0.009, 1e-9);
  EXPECT_NEAR(plain.returns[1], -0.012, 1e-9);
  EXPECT_NEAR(plain.returns[2], 0.03 - 0.002, 1e-9);  // B -> C
  EXPECT_NEAR(plain.turnover, 5.0 / 3.0, 1e-12);
  ASSERT_EQ(plain.equal_weight.size(), 3u);  // every stock, no costs: the yardstick
  EXPECT_NEAR(plain.equal_weight[0], 0.0, 1e-9);
  EXPECT_NEAR(plain.equal_weight[1], 0.01 / 3, 1e-9);
  EXPECT_NEAR(plain.equal_weight[2], 0.02 / 3, 1e-9);
  shape.hold_band = 1;
  auto banded = objective_portfolio(samples, 1, shape, 10);
  EXPECT_NEAR(banded.returns[1], 0.02, 1e-9);
  EXPECT_NEAR(banded.returns[2], 0.03 - 0.002, 1e-9);  // A ranks last of three: out of the band
  shape.hold_band = 0;
  shape.rebalance_every = 2;
  auto slow = objective_portfolio(samples, 1, shape, 10);
  EXPECT_NEAR(slow.returns[1], 0.02, 1e-9);          // day 1 is not a rebalancing day: A held
  EXPECT_NEAR(slow.returns[2], 0.03 - 0.002, 1e-9);  // day 2 is: A -> C
  shape.rebalance_every = 1;
  shape.long_short = true;
  auto neutral = objective_portfolio(samples, 1, shape, 10);
  EXPECT_NEAR(neutral.returns[0], 0.01 + 0.01 - 0.002, 1e-9);  // long A, short C
  EXPECT_EQ(objective_portfolio(samples, 2, BacktestSettings{.top_k = 1}, 0).returns.size(), 2u);  // days 0 and 2
}

// kSpace cut to four trials (eta 2) without the epochs: the searches run on the sample data.
std::string small_space() {
  std::string space = std::regex_replace(std::string(kSpace), std::regex("trials = 9\neta = 3"), "trials = 4\neta = 2");
  return std::regex_replace(space, std::regex("\"model.epochs\".*\n"), "");
}

std::string pipeline_config() {
  return std::string(R"(name = "tune-base"
seed = 3
models = ["logistic_regression"]
[data]
dir = ")") + KESTREL_SAMPLE_DATA + R"("
[evaluation.fixed]
train_begin = "2011-01-03"
valid_begin = "2016-01-01"
test_begin = "2018-01-01"
test_end = "2019-12-31"
[evaluation.walk_forward]
first_date = "2011-01-03"
train_dates = 504
valid_dates = 126
test_dates = 252
[features]
truncation_cuts = 0
[controls]
enabled = false
[model]
max_train_samples = 4000
[backtest]
top_k = 5
)";
}

TEST(Tune, ASmallSearchOnTheSampleCountsEveryTrialStoresEveryEvaluationAndNeverTunesOnTheTestSegment) {
  testing::TempDir dir;
  testing::write_file(dir / "pipeline.toml", pipeline_config());
  testing::write_file(dir / "space.toml", small_space());
  const std::string command = std::string(KESTREL_BINARY) + " tune --config " + (dir / "space.toml").string() +
                              " --out " + (dir / "out").string() + " --jobs 2";
  const auto r = testing::run_command(command);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("best: trial "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("deflated Sharpe ratio "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("held-out test segment, once: Sharpe "), std::string::npos) << r.output;

  const std::string report = testing::read_file(dir / "out/tune/lr-search.md");
  EXPECT_NE(report.find("4 trials declared and run, successive-halving search (eta 2)"), std::string::npos) << report;
  // The tuning folds' test windows all end before the test segment (2018-01-02), by the
  // label horizon and the embargo.
  std::string last_end;
  const std::regex test_window(R"(  - fold \d+: .*test \d{4}-\d\d-\d\d\.\.(\d{4}-\d\d-\d\d))");
  for (auto it = std::sregex_iterator(report.begin(), report.end(), test_window); it != std::sregex_iterator(); ++it) {
    last_end = (*it)[1];
  }
  ASSERT_FALSE(last_end.empty()) << report;
  // The six sessions 2017-12-21..29 (label horizon 1 + embargo 5) are left out.
  EXPECT_EQ(last_end, "2017-12-20") << report;
  EXPECT_NE(report.find("deflated Sharpe ratio "), std::string::npos) << report;
  EXPECT_NE(report.find("once on the held-out test segment"), std::string::npos) << report;

  auto store = store::MarketStore::open(dir / "out/market.db", store::MarketStore::Access::ReadOnly);
  ASSERT_TRUE(store) << store.error().message;
  const auto rows = store->tuning_trials("lr-search");
  ASSERT_TRUE(rows) << rows.error().message;
  // Five folds before 2018 (the last clipped to 117 sessions): rung budgets 1, 3 and 5 folds;
  // four trials on one fold, the best two on three, the best on all five.
  EXPECT_NE(report.find("5 walk-forward folds before the fixed test segment"), std::string::npos) << report;
  ASSERT_EQ(rows->size(), 7u) << report;
  std::set<std::int64_t> trials;
  std::size_t best = 0;
  for (const auto& t : *rows) {
    trials.insert(t.trial);
    best += t.status == "best";
    EXPECT_TRUE(t.error.empty()) << t.error;
    EXPECT_TRUE(std::isfinite(t.sharpe));
    EXPECT_FALSE(t.params.empty());
  }
  EXPECT_EQ(trials.size(), 4u);
  EXPECT_EQ(best, 1u);
  // The same study again replaces its rows; nothing is added twice.
  const auto again = testing::run_command(command);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  auto reopened = store::MarketStore::open(dir / "out/market.db", store::MarketStore::Access::ReadOnly);
  EXPECT_EQ(reopened->tuning_trials("lr-search")->size(), 7u);

  const auto help = testing::run_command(std::string(KESTREL_BINARY) + " tune --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--jobs"), std::string::npos) << help.output;
}

// The same search on a real single-node Slurm (the "slurm" CTest fixture: munge, slurmctld and
// slurmd started by tests/support/slurm_cluster.sh): each rung an sbatch array job of kestrel
// tasks; the trials, rungs and Sharpe ratios are those of the local run with one core per trial.
TEST(TuneSlurm, TheSearchRunsAsSbatchArrayJobsOnARealSlurmAndMatchesTheLocalRun) {
  const std::string conf_file = std::string(KESTREL_TEST_SLURM_STATE) + "/slurm_conf";
  ASSERT_TRUE(std::filesystem::exists(conf_file)) << "the slurm fixture is not running (ctest starts it)";
  std::string slurm_conf = testing::read_file(conf_file);
  slurm_conf.erase(slurm_conf.find_last_not_of("\n") + 1);
  testing::TempDir dir;
  testing::write_file(dir / "pipeline.toml", pipeline_config());
  testing::write_file(dir / "space.toml", small_space());
  const std::string tune = std::string(KESTREL_BINARY) + " -q tune --config " + (dir / "space.toml").string();
  const auto local = testing::run_command(tune + " --jobs 2 --out " + (dir / "local").string());
  ASSERT_EQ(local.exit_code, 0) << local.output;
  const auto slurm = testing::run_command("SLURM_CONF=" + slurm_conf + " " + tune + " --slurm --sbatch-arg=--time=10 --out " +
                                          (dir / "slurm").string());
  ASSERT_EQ(slurm.exit_code, 0) << slurm.output;
  EXPECT_NE(slurm.output.find("best: trial "), std::string::npos) << slurm.output;
  // Each rung ran as an array job: its task file, script, one log and one result per trial.
  for (const auto& [rung, tasks] : {std::pair{0, 4}, std::pair{1, 2}, std::pair{2, 1}}) {
    const auto rung_dir = dir / "slurm/tune/lr-search/slurm" / fmt::format("rung-{}", rung);
    EXPECT_TRUE(std::filesystem::exists(rung_dir / "task.json")) << rung_dir;
    EXPECT_TRUE(std::filesystem::exists(rung_dir / "job.sh")) << rung_dir;
    int results = 0, logs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(rung_dir)) {
      const auto name = entry.path().filename().string();
      results += name.starts_with("trial-") && name.ends_with(".json");
      logs += name.starts_with("task-") && name.ends_with(".log");
    }
    EXPECT_EQ(results, tasks) << rung_dir;
    EXPECT_EQ(logs, tasks) << rung_dir;
  }
  auto a = store::MarketStore::open(dir / "local/market.db", store::MarketStore::Access::ReadOnly);
  auto b = store::MarketStore::open(dir / "slurm/market.db", store::MarketStore::Access::ReadOnly);
  const auto x = *a->tuning_trials("lr-search");
  const auto y = *b->tuning_trials("lr-search");
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].trial, y[i].trial);
    EXPECT_EQ(x[i].rung, y[i].rung);
    EXPECT_EQ(x[i].status, y[i].status);
    EXPECT_NEAR(x[i].sharpe, y[i].sharpe, 1e-9) << "trial " << x[i].trial << " rung " << x[i].rung;
  }
}

TEST(TuneSlurm, WithoutSbatchOnThePathTheCommandSaysSo) {
  testing::TempDir dir;
  testing::write_file(dir / "pipeline.toml", pipeline_config());
  testing::write_file(dir / "space.toml", kSpace);
  const auto r = testing::run_command("PATH=/nonexistent " + std::string(KESTREL_BINARY) + " -q tune --slurm --config " +
                                      (dir / "space.toml").string() + " --out " + (dir / "out").string());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("sbatch is not installed or not on PATH"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace kestrel::pipeline
