#include "analysis/risk_summary_json.hpp"

#include <cmath>

namespace kestrel::analysis {
namespace {

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json percentiles(const PercentileRecord& p) {
  return {{"p05", number(p.p05)}, {"p50", number(p.p50)}, {"p95", number(p.p95)}};
}

}  // namespace

nlohmann::json to_json(const RiskSummary& risk) {
  nlohmann::json limits = nlohmann::json::object();
  for (const auto& [key, value] : risk.limits) limits[key] = number(value);
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& [rule, count] : risk.counters) counters[rule] = count;
  auto events = nlohmann::json::array();
  for (const auto& e : risk.events) {
    events.push_back({{"date", e.date.to_string()}, {"kind", e.kind}, {"rule", e.rule}, {"message", e.message}});
  }
  auto measures = nlohmann::json::array();
  for (const auto& m : risk.measures) {
    measures.push_back({{"scope", m.scope}, {"method", m.method}, {"confidence", m.confidence},
                        {"horizon_days", m.horizon_days}, {"var", number(m.var)}, {"cvar", number(m.cvar)}});
  }
  auto stress = nlohmann::json::array();
  for (const auto& s : risk.stress) {
    stress.push_back({{"scenario", s.scenario}, {"kind", s.kind}, {"portfolio_return", number(s.portfolio_return)},
                      {"worst_drawdown", number(s.worst_drawdown)}, {"benchmark_return", number(s.benchmark_return)},
                      {"proxied", s.proxied}});
  }
  nlohmann::json out = {{"manager_enabled", risk.manager_enabled},
                        {"limits", limits},
                        {"counters", counters},
                        {"events", events},
                        {"var", measures},
                        {"stress", stress},
                        {"notes", risk.notes}};
  if (risk.has_monte_carlo) {
    const MonteCarloRecord& mc = risk.monte_carlo;
    out["monte_carlo"] = {{"paths", mc.paths},
                          {"horizon_days", mc.horizon_days},
                          {"seed", mc.seed},
                          {"cagr", percentiles(mc.cagr)},
                          {"sharpe", percentiles(mc.sharpe)},
                          {"max_drawdown", percentiles(mc.max_drawdown)},
                          {"drawdown_threshold", mc.drawdown_threshold},
                          {"probability_drawdown_over_threshold", number(mc.probability_drawdown_over_threshold)},
                          {"ruin_threshold", mc.ruin_threshold},
                          {"probability_of_ruin", number(mc.probability_of_ruin)}};
  }
  if (risk.has_sharpe_significance) {
    const SharpeSignificanceRecord& s = risk.sharpe_significance;
    nlohmann::json sig = {{"deflated", s.deflated},
                          {"sharpe_daily", number(s.sharpe)},
                          {"probabilistic_sharpe", number(s.probabilistic_sharpe)},
                          {"observations", s.observations},
                          {"trials", s.trials}};
    if (s.deflated) {
      sig["deflated_sharpe"] = number(s.deflated_sharpe);
      sig["expected_max_sharpe"] = number(s.expected_max_sharpe);
      if (s.pbo >= 0) sig["pbo"] = s.pbo;
    }
    out["sharpe_significance"] = sig;
  }
  return out;
}

}  // namespace kestrel::analysis
