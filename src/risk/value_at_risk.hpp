#pragma once
// Value at Risk and Conditional VaR (expected shortfall) of a return series or a portfolio.
// Both are reported as positive loss fractions: VaR 0.021 at 95% means "on 1 day in 20 we
// expect to lose at least 2.1%"; CVaR is the average loss on those days.
//
// Methods:
//  - historical: empirical quantile of past returns (h-day: overlapping compounded h-day
//    returns), CVaR the mean of returns at or below it;
//  - normal: mean and stdev, scaled by h and sqrt(h);
//  - Cornish–Fisher: the normal quantile corrected for skew and excess kurtosis (scaled to
//    h days as for a sum of iid returns), CVaR the mean of the corrected quantile over the
//    tail (closed form);
//  - Monte Carlo: multivariate normal draws of the assets' h-day returns with their
//    covariance, valued through the portfolio weights.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/error.hpp"

namespace kestrel::risk {

enum class VarMethod { Historical, Normal, CornishFisher, MonteCarlo };
std::string to_string(VarMethod method);

struct RiskEstimate {
  VarMethod method = VarMethod::Historical;
  double confidence = 0.95;
  int horizon_days = 1;
  double var = 0;
  double cvar = 0;
};

core::Result<RiskEstimate> historical_var(std::span<const double> returns, double confidence, int horizon_days);
core::Result<RiskEstimate> normal_var(std::span<const double> returns, double confidence, int horizon_days);
core::Result<RiskEstimate> cornish_fisher_var(std::span<const double> returns, double confidence, int horizon_days);

struct MonteCarloVarOptions {
  int draws = 100'000;
  std::uint64_t seed = 7;
};
// `asset_returns`: days x assets (no NaN); `weights`: one per asset, fractions of equity.
core::Result<RiskEstimate> monte_carlo_var(const Eigen::MatrixXd& asset_returns, const Eigen::VectorXd& weights,
                                           double confidence, int horizon_days,
                                           const MonteCarloVarOptions& options = {});

// Every method at 95% and 99%, 1 and 10 days, for a portfolio of assets: the historical
// and parametric methods use the portfolio's daily returns (asset_returns * weights).
core::Result<std::vector<RiskEstimate>> portfolio_risk_table(const Eigen::MatrixXd& asset_returns,
                                                             const Eigen::VectorXd& weights,
                                                             const MonteCarloVarOptions& options = {});

}  // namespace kestrel::risk
