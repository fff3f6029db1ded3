// The [risk] configuration table and the risk section every run's record carries.
#include <gtest/gtest.h>

#include "backtest/config.hpp"
#include "backtest/risk_report.hpp"
#include "backtest/runner.hpp"
#include "store/csv_folder.hpp"

namespace kestrel::testing {
namespace {

std::string config_text(std::string_view risk_table, std::string_view strategy = "type = \"buy_and_hold\"\n") {
  return fmt::format("name = \"r\"\n[data]\ncsv_dir = \"{}\"\nstart = \"2015-01-02\"\nend = \"2017-12-29\"\n"
                     "exclude = [\"SPX\"]\n{}\n[strategy]\n{}",
                     KESTREL_SAMPLE_DATA, risk_table, strategy);
}

TEST(RiskConfig, DefaultsToThePlanLimits) {
  auto c = backtest::parse_backtest_config(config_text(""), "r.toml", "/");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->risk.enabled);
  EXPECT_DOUBLE_EQ(c->risk.limits.max_position_fraction, 0.10);
  EXPECT_DOUBLE_EQ(c->risk.limits.max_sector_fraction, 0.30);
  EXPECT_DOUBLE_EQ(c->risk.limits.min_cash_fraction, 0.20);
  EXPECT_EQ(c->risk.limits.max_positions, 20);
  EXPECT_DOUBLE_EQ(c->risk.limits.daily_loss_limit, 0.05);
  EXPECT_DOUBLE_EQ(c->risk.limits.max_drawdown, 0.15);
  EXPECT_FALSE(c->risk.kill_switch_date);
}

TEST(RiskConfig, ReadsEveryKey) {
  auto c = backtest::parse_backtest_config(
      config_text("[risk]\nenabled = true\nmax_order_fraction = 0.2\nmax_position_fraction = 0.15\n"
                  "max_sector_fraction = 0.4\nmax_gross_exposure = 1.5\nmin_cash_fraction = 0.1\nmax_positions = 8\n"
                  "min_position_value = 500\ndaily_loss_limit = 0.03\nlosing_streak_length = 4\n"
                  "losing_streak_size_factor = 0.25\nmax_drawdown = 0.2\nflatten_on_kill = false\n"
                  "kill_switch_date = 2016-03-01\n"),
      "r.toml", "/");
  ASSERT_TRUE(c) << c.error().message;
  const auto& l = c->risk.limits;
  EXPECT_DOUBLE_EQ(l.max_order_fraction, 0.2);
  EXPECT_DOUBLE_EQ(l.max_gross_exposure, 1.5);
  EXPECT_EQ(l.max_positions, 8);
  EXPECT_EQ(l.losing_streak_length, 4);
  EXPECT_DOUBLE_EQ(l.losing_streak_size_factor, 0.25);
  EXPECT_FALSE(l.flatten_on_kill);
  EXPECT_EQ(c->risk.kill_switch_date, core::Date::from_ymd(2016, 3, 1));
}

TEST(RiskConfig, ReportsUnknownKeysAndEveryBadLimitAtOnce) {
  auto c = backtest::parse_backtest_config(
      config_text("[risk]\nmax_positon_fraction = 0.1\nmax_drawdown = 1.5\ndaily_loss_limit = -0.1\n"
                  "enabled = \"yes\"\n"),
      "r.toml", "/");
  ASSERT_FALSE(c);
  const std::string& m = c.error().message;
  EXPECT_NE(m.find("r.toml:"), std::string::npos) << m;
  EXPECT_NE(m.find("risk.max_positon_fraction: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("risk.enabled: expected true or false"), std::string::npos) << m;
  EXPECT_NE(m.find("max_drawdown must be in (0, 1], got 1.5"), std::string::npos) << m;
  EXPECT_NE(m.find("daily_loss_limit must be in (0, 1], got -0.1"), std::string::npos) << m;
}

TEST(RiskReport, EveryRunCarriesTheRiskSection) {
  // Without the exit rules buy-and-hold still holds its names at the end (stress, holdings VaR).
  auto config = backtest::parse_backtest_config(
      config_text("[rules]\nstop_loss = 0\nbreakeven_after = 0\ntime_stop_days = 0\n"), "r.toml", "/");
  ASSERT_TRUE(config) << config.error().message;
  auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel) << panel.error().message;
  auto run = backtest::run_backtest(*config, *panel);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(run->record.risk);
  const auto& risk = *run->record.risk;
  EXPECT_TRUE(risk.manager_enabled);
  EXPECT_EQ(risk.limits.at("max_position_fraction"), 0.10);
  // Strategy returns: 3 methods x 2 confidences x 2 horizons; final holdings: Monte Carlo x 4.
  std::size_t strategy_rows = 0, holdings_rows = 0;
  for (const auto& m : risk.measures) {
    (m.scope == "strategy" ? strategy_rows : holdings_rows) += 1;
    EXPECT_GT(m.cvar, 0);
    EXPECT_GE(m.cvar, m.var);
  }
  EXPECT_EQ(strategy_rows, 12u);
  std::string notes;
  for (const auto& n : risk.notes) notes += n + "; ";
  EXPECT_EQ(holdings_rows, 4u) << notes;
  EXPECT_FALSE(risk.stress.empty());
  ASSERT_TRUE(risk.has_monte_carlo);
  EXPECT_EQ(risk.monte_carlo.paths, 10000);
  EXPECT_EQ(risk.monte_carlo.band_p50.size(), 252u);
  EXPECT_LE(risk.monte_carlo.band_p05.back(), risk.monte_carlo.band_p50.back());
  EXPECT_LE(risk.monte_carlo.band_p50.back(), risk.monte_carlo.band_p95.back());
  ASSERT_TRUE(risk.has_sharpe_significance);
  EXPECT_FALSE(risk.sharpe_significance.deflated);
  EXPECT_EQ(risk.sharpe_significance.trials, 1u);
  // The limits bind: the momentum portfolio is sized against the 20% cash reserve.
  EXPECT_GT(risk.counters.count("cash_reserve") + risk.counters.count("max_position"), 0u);

  // The same configuration gives the same risk section (seeded Monte Carlo).
  auto again = backtest::run_backtest(*config, *panel);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->record.risk->monte_carlo.band_p50, risk.monte_carlo.band_p50);
  EXPECT_EQ(again->record.risk->events.size(), risk.events.size());
}

TEST(RiskReport, SweepDeflatesTheBestRunsSharpe) {
  auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel) << panel.error().message;
  std::vector<analysis::BacktestRecord> records;
  for (int fast : {5, 10, 20, 40}) {
    auto config = backtest::parse_backtest_config(
        config_text("", fmt::format("type = \"sma_crossover\"\nfast = {}\nslow = 100\n", fast)), "r.toml", "/");
    ASSERT_TRUE(config) << config.error().message;
    auto run = backtest::run_backtest(*config, *panel);
    ASSERT_TRUE(run) << run.error().message;
    records.push_back(std::move(run->record));
  }
  std::vector<analysis::BacktestRecord*> pointers;
  for (auto& r : records) pointers.push_back(&r);
  auto best = backtest::add_sweep_significance(pointers);
  ASSERT_TRUE(best) << best.error().message;
  const auto& sig = records[*best].risk->sharpe_significance;
  EXPECT_TRUE(sig.deflated);
  EXPECT_EQ(sig.trials, 4u);
  EXPECT_GE(sig.expected_max_sharpe, 0);
  EXPECT_LE(sig.deflated_sharpe, sig.probabilistic_sharpe);
  EXPECT_GE(sig.pbo, 0);
  EXPECT_LE(sig.pbo, 1);
  for (std::size_t k = 0; k < records.size(); ++k) {
    if (k != *best) {
      EXPECT_FALSE(records[k].risk->sharpe_significance.deflated);
    }
  }
}

TEST(PortfolioConstruction, ConfigNamesTheMethodAndConstraints) {
  auto c = backtest::parse_backtest_config(
      config_text("[portfolio]\nmethod = \"hierarchical_risk_parity\"\nlookback_days = 63\nmax_weight = 0.08\n"
                  "max_turnover = 0.5\n"),
      "r.toml", "/");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->construction);
  EXPECT_EQ(c->construction->method, allocation::AllocationMethod::HierarchicalRiskParity);
  EXPECT_EQ(c->construction->lookback_days, 63u);
  EXPECT_DOUBLE_EQ(c->construction->constraints.max_weight, 0.08);
  EXPECT_EQ(c->construction->constraints.max_turnover, 0.5);

  auto bad = backtest::parse_backtest_config(config_text("[portfolio]\nmethod = \"magic\"\n"), "r.toml", "/");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("portfolio.method: expected one of"), std::string::npos) << bad.error().message;
  auto orphan = backtest::parse_backtest_config(config_text("[portfolio]\nlookback_days = 63\n"), "r.toml", "/");
  ASSERT_FALSE(orphan);
  EXPECT_NE(orphan.error().message.find("portfolio.lookback_days: needs portfolio.method"), std::string::npos);
}

TEST(PortfolioConstruction, MomentumSizedByTheOptimiserStaysWithinTheLimits) {
  auto panel = store::load_csv_panel(KESTREL_SAMPLE_DATA);
  ASSERT_TRUE(panel) << panel.error().message;
  for (const char* method : {"inverse_volatility", "minimum_variance", "equal_risk_contribution"}) {
    auto config = backtest::parse_backtest_config(
        config_text(fmt::format("[portfolio]\nmethod = \"{}\"\nlookback_days = 126\n", method),
                    "type = \"momentum\"\ntop_k = 12\n"),
        "r.toml", "/");
    ASSERT_TRUE(config) << config.error().message;
    auto run = backtest::run_backtest(*config, *panel);
    ASSERT_TRUE(run) << method << ": " << run.error().message;
    ASSERT_FALSE(run->record.trades.empty()) << method;
    // The optimiser's weights (<= 10% each, >= 20% cash) pass the risk manager's matching
    // limits; only price drift between decision and fill can push a buy over them.
    const auto& counters = run->record.risk->counters;
    const auto denied = [&](const char* rule) { return counters.contains(rule) ? counters.at(rule) : 0; };
    EXPECT_LE(denied("max_position") + denied("cash_reserve"), 5) << method;
    for (const auto& e : run->record.equity) EXPECT_LE(e.gross_exposure, 0.9) << method << " " << e.date.to_string();
  }
}

}  // namespace
}  // namespace kestrel::testing
