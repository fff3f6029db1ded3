#include "backtest/risk_report.hpp"

#include <cmath>
#include <cstdlib>

#include <Eigen/Dense>

#include "analysis/monte_carlo.hpp"
#include "analysis/overfitting.hpp"
#include "risk/stress_test.hpp"
#include "risk/value_at_risk.hpp"

namespace kestrel::backtest {
namespace {

analysis::PercentileRecord percentiles(const analysis::Distribution& d) { return {d.p05, d.p50, d.p95}; }

analysis::RiskMeasureRecord measure(std::string scope, const risk::RiskEstimate& e) {
  return {std::move(scope), risk::to_string(e.method), e.confidence, e.horizon_days, e.var, e.cvar};
}

double per_day_sharpe(const std::vector<double>& r) {
  if (r.size() < 2) return std::nan("");
  double mean = 0;
  for (double v : r) mean += v;
  mean /= static_cast<double>(r.size());
  double ss = 0;
  for (double v : r) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
  return sd > 0 ? mean / sd : std::nan("");
}

void add_strategy_var(analysis::RiskSummary& out, const std::vector<double>& returns) {
  for (double confidence : {0.95, 0.99}) {
    for (int horizon : {1, 10}) {
      for (auto method : {risk::historical_var, risk::normal_var, risk::cornish_fisher_var}) {
        auto e = method(returns, confidence, horizon);
        if (!e) {
          out.notes.push_back("strategy VaR: " + e.error().message);
          return;
        }
        out.measures.push_back(measure("strategy", *e));
      }
    }
  }
}

void add_holdings_risk(analysis::RiskSummary& out, const analysis::BacktestRecord& record, const store::Panel& panel,
                       const portfolio::Portfolio& book, const RiskAnalysisOptions& options) {
  const double equity = book.equity().to_double();
  if (book.held().empty() || !(equity > 0)) {
    out.notes.push_back("no holdings at the end of the run: holdings VaR and stress tests skipped");
    return;
  }
  const core::Date as_of = record.equity.back().date;
  const auto last = panel.date_index_at_or_before(as_of);
  std::vector<risk::Holding> holdings;
  for (portfolio::InstrumentId i : book.held()) {
    holdings.push_back({panel.tickers()[i], book.position(i).market_value().to_double() / equity});
  }

  // Monte Carlo VaR: the holdings' daily returns over the lookback up to the last day (point
  // in time); a day without a bar counts as a zero return.
  if (last && *last >= 21) {
    const std::size_t days = std::min<std::size_t>(static_cast<std::size_t>(options.lookback_days), *last);
    Eigen::MatrixXd returns(static_cast<Eigen::Index>(days), static_cast<Eigen::Index>(holdings.size()));
    Eigen::VectorXd weights(static_cast<Eigen::Index>(holdings.size()));
    for (std::size_t k = 0; k < book.held().size(); ++k) {
      const auto adj = panel.series(store::Field::AdjClose, book.held()[k]);
      weights(static_cast<Eigen::Index>(k)) = holdings[k].weight;
      for (std::size_t d = 0; d < days; ++d) {
        const std::size_t t = *last - days + 1 + d;
        const double r = adj[t] / adj[t - 1] - 1;
        returns(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(k)) = std::isfinite(r) ? r : 0.0;
      }
    }
    auto table = risk::portfolio_risk_table(returns, weights, {.draws = options.var_draws, .seed = options.seed});
    if (table) {
      for (const auto& e : *table) {
        if (e.method == risk::VarMethod::MonteCarlo) out.measures.push_back(measure("holdings", e));
      }
    } else {
      out.notes.push_back("holdings VaR: " + table.error().message);
    }
  } else {
    out.notes.push_back("holdings VaR: fewer than 21 days of data before the last day");
  }

  risk::StressOptions stress_options;
  if (!record.benchmark.empty()) stress_options.benchmark = record.benchmark;
  auto stress = risk::run_stress_tests(panel, holdings, as_of, risk::default_stress_windows(), stress_options);
  if (!stress) {
    out.notes.push_back("stress tests: " + stress.error().message);
    return;
  }
  for (auto& s : *stress) {
    out.stress.push_back({std::move(s.scenario), std::move(s.kind), s.portfolio_return, s.worst_drawdown,
                          s.benchmark_return, std::move(s.proxied)});
  }
}

}  // namespace

std::vector<double> daily_returns(const analysis::BacktestRecord& record) {
  std::vector<double> out;
  for (std::size_t k = 1; k < record.equity.size(); ++k) {
    const double before = record.equity[k - 1].equity;
    out.push_back(before != 0 ? record.equity[k].equity / before - 1 : 0.0);
  }
  return out;
}

void add_risk_analysis(analysis::BacktestRecord& record, const store::Panel& panel, const portfolio::Portfolio& book,
                       const RiskAnalysisOptions& options) {
  if (!record.risk) record.risk.emplace();
  analysis::RiskSummary& out = *record.risk;
  if (record.equity.empty()) {
    out.notes.push_back("the run has no days");
    return;
  }
  const std::vector<double> returns = daily_returns(record);
  add_strategy_var(out, returns);
  add_holdings_risk(out, record, panel, book, options);

  const analysis::MonteCarloOptions mc_options{.paths = options.monte_carlo_paths, .seed = options.seed};
  if (auto mc = analysis::bootstrap_daily_returns(returns, mc_options)) {
    out.has_monte_carlo = true;
    analysis::MonteCarloRecord& m = out.monte_carlo;
    m.paths = mc->paths;
    m.horizon_days = mc->horizon_days;
    m.seed = mc_options.seed;
    m.cagr = percentiles(mc->cagr);
    m.sharpe = percentiles(mc->sharpe);
    m.max_drawdown = percentiles(mc->max_drawdown);
    m.drawdown_threshold = mc_options.drawdown_threshold;
    m.probability_drawdown_over_threshold = mc->probability_drawdown_over_threshold;
    m.ruin_threshold = mc_options.ruin_threshold;
    m.probability_of_ruin = mc->probability_of_ruin;
    m.band_p05 = std::move(mc->band_p05);
    m.band_p50 = std::move(mc->band_p50);
    m.band_p95 = std::move(mc->band_p95);
  } else {
    out.notes.push_back("Monte Carlo: " + mc.error().message);
  }

  // One trial: deflation needs the spread of a sweep's Sharpe ratios, so a single run gets
  // the probabilistic Sharpe ratio (P[true Sharpe > 0]) only; with two identical trial
  // Sharpes the expected maximum is zero and the two coincide.
  const double sharpe = per_day_sharpe(returns);
  if (std::isfinite(sharpe)) {
    const double trials[] = {sharpe, sharpe};
    if (auto dsr = analysis::deflated_sharpe_ratio(returns, trials)) {
      out.has_sharpe_significance = true;
      out.sharpe_significance = {.deflated = false,
                                 .sharpe = dsr->sharpe,
                                 .probabilistic_sharpe = dsr->probabilistic_sharpe,
                                 .trials = 1,
                                 .observations = dsr->observations};
    } else {
      out.notes.push_back("Sharpe significance: " + dsr.error().message);
    }
  } else {
    out.notes.push_back("Sharpe significance: the daily returns have no variance");
  }
}

core::Result<std::size_t> add_sweep_significance(std::vector<analysis::BacktestRecord*> records) {
  if (records.size() < 2) return core::fail("sweep significance: need at least 2 runs, got {}", records.size());
  std::vector<std::vector<double>> returns;
  std::vector<double> sharpes;
  std::size_t best = 0;
  for (std::size_t k = 0; k < records.size(); ++k) {
    returns.push_back(daily_returns(*records[k]));
    const double s = per_day_sharpe(returns.back());
    sharpes.push_back(std::isfinite(s) ? s : 0.0);
    if (sharpes[k] > sharpes[best]) best = k;
  }
  auto dsr = analysis::deflated_sharpe_ratio(returns[best], sharpes);
  if (!dsr) return std::unexpected(dsr.error());
  // PBO needs equal-length runs over the same days; partitions shrink for short runs.
  std::size_t partitions = 16;
  while (partitions > 2 && returns[0].size() < partitions * 2) partitions -= 2;
  auto pbo = analysis::probability_of_backtest_overfitting(returns, partitions);
  for (std::size_t k = 0; k < records.size(); ++k) {
    analysis::BacktestRecord& r = *records[k];
    if (!r.risk) r.risk.emplace();
    if (!pbo) r.risk->notes.push_back("probability of backtest overfitting: " + pbo.error().message);
    if (k != best) continue;
    r.risk->has_sharpe_significance = true;
    r.risk->sharpe_significance = {.deflated = true,
                                   .sharpe = dsr->sharpe,
                                   .probabilistic_sharpe = dsr->probabilistic_sharpe,
                                   .deflated_sharpe = dsr->deflated_sharpe,
                                   .expected_max_sharpe = dsr->expected_max_sharpe,
                                   .trials = dsr->trials,
                                   .observations = dsr->observations,
                                   .pbo = pbo ? pbo->pbo : -1.0};
  }
  return best;
}

}  // namespace kestrel::backtest
