#include "risk/value_at_risk.hpp"

#include <cmath>
#include <numeric>

#include "analysis/normal_distribution.hpp"
#include "analysis/sample_moments.hpp"
#include "core/quantile.hpp"
#include "core/rng.hpp"

namespace kestrel::risk {
namespace {

using analysis::normal_quantile;

core::Status check(std::span<const double> returns, double confidence, int horizon_days) {
  if (!(confidence > 0.5 && confidence < 1)) return core::fail("VaR: confidence must be in (0.5, 1), got {}", confidence);
  if (horizon_days < 1) return core::fail("VaR: horizon must be >= 1 day, got {}", horizon_days);
  if (returns.size() < static_cast<std::size_t>(horizon_days) + 20) {
    return core::fail("VaR: need at least {} returns for a {}-day horizon, got {}", horizon_days + 20, horizon_days,
                      returns.size());
  }
  for (double r : returns) {
    if (!std::isfinite(r)) return core::fail("VaR: returns contain NaN or infinite values");
  }
  return {};
}

// The cut-off is numpy.percentile's default (linear interpolation between order statistics).
RiskEstimate empirical(VarMethod method, const std::vector<double>& outcomes, double confidence, int h) {
  std::vector<double> order = outcomes;
  const double cutoff = core::linear_quantile(std::span<double>(order), 1 - confidence);
  double tail_sum = 0;
  std::size_t tail_count = 0;
  for (double r : outcomes) {
    if (r <= cutoff) {
      tail_sum += r;
      ++tail_count;
    }
  }
  return {method, confidence, h, -cutoff, -(tail_sum / static_cast<double>(tail_count))};
}

double cornish_fisher_z(double z, double skew, double excess_kurtosis) {
  return z + (z * z - 1) * skew / 6 + (z * z * z - 3 * z) * excess_kurtosis / 24 -
         (2 * z * z * z - 5 * z) * skew * skew / 36;
}

}  // namespace

std::string to_string(VarMethod method) {
  switch (method) {
    case VarMethod::Historical: return "historical";
    case VarMethod::Normal: return "normal";
    case VarMethod::CornishFisher: return "cornish-fisher";
    case VarMethod::MonteCarlo: return "monte-carlo";
  }
  return "?";
}

core::Result<RiskEstimate> historical_var(std::span<const double> returns, double confidence, int horizon_days) {
  if (auto s = check(returns, confidence, horizon_days); !s) return std::unexpected(s.error());
  std::vector<double> outcomes;
  const auto h = static_cast<std::size_t>(horizon_days);
  for (std::size_t i = 0; i + h <= returns.size(); ++i) {
    double growth = 1;
    for (std::size_t k = 0; k < h; ++k) growth *= 1 + returns[i + k];
    outcomes.push_back(growth - 1);
  }
  return empirical(VarMethod::Historical, outcomes, confidence, horizon_days);
}

core::Result<RiskEstimate> normal_var(std::span<const double> returns, double confidence, int horizon_days) {
  if (auto s = check(returns, confidence, horizon_days); !s) return std::unexpected(s.error());
  const analysis::SampleMoments m = analysis::sample_moments(returns);
  const double h = horizon_days;
  const double mu = m.mean * h, sigma = m.stdev * std::sqrt(h);
  const double z = normal_quantile(1 - confidence);
  const double density = std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi);
  return RiskEstimate{VarMethod::Normal, confidence, horizon_days, -(mu + z * sigma),
                      -(mu - sigma * density / (1 - confidence))};
}

core::Result<RiskEstimate> cornish_fisher_var(std::span<const double> returns, double confidence, int horizon_days) {
  if (auto s = check(returns, confidence, horizon_days); !s) return std::unexpected(s.error());
  const analysis::SampleMoments m = analysis::sample_moments(returns);
  const double h = horizon_days;
  const double mu = m.mean * h, sigma = m.stdev * std::sqrt(h);
  // Cumulants of a sum of h iid returns: skew / sqrt(h), excess kurtosis / h.
  const double skew = m.skewness / std::sqrt(h), kurt = (m.kurtosis - 3) / h;
  const double tail = 1 - confidence;
  const double var = -(mu + sigma * cornish_fisher_z(normal_quantile(tail), skew, kurt));
  // CVaR: mean of the corrected quantile over the tail. With p = Phi(z) this is
  // E[cf(Z) | Z <= a] and the integrals of z^k phi(z) up to a have closed forms.
  const double a = normal_quantile(tail);
  const double phi = std::exp(-a * a / 2) / std::sqrt(2 * std::numbers::pi);
  const double tail_mean_z = (-phi - a * phi * skew / 6 - (a * a - 1) * phi * kurt / 24 +
                              (2 * a * a - 1) * phi * skew * skew / 36) / tail;
  return RiskEstimate{VarMethod::CornishFisher, confidence, horizon_days, var, -(mu + sigma * tail_mean_z)};
}

core::Result<RiskEstimate> monte_carlo_var(const Eigen::MatrixXd& asset_returns, const Eigen::VectorXd& weights,
                                           double confidence, int horizon_days, const MonteCarloVarOptions& options) {
  if (asset_returns.cols() != weights.size()) {
    return core::fail("VaR: {} weights for {} assets", weights.size(), asset_returns.cols());
  }
  if (!asset_returns.allFinite()) return core::fail("VaR: asset returns contain NaN or infinite values");
  if (options.draws < 100) return core::fail("VaR: Monte Carlo needs at least 100 draws, got {}", options.draws);
  if (!(confidence > 0.5 && confidence < 1) || horizon_days < 1 || asset_returns.rows() < 21) {
    return core::fail("VaR: need confidence in (0.5, 1), horizon >= 1 and at least 21 days of returns");
  }
  const double n = static_cast<double>(asset_returns.rows());
  const Eigen::VectorXd mean = asset_returns.colwise().mean();
  const Eigen::MatrixXd x = asset_returns.rowwise() - mean.transpose();
  const Eigen::MatrixXd covariance = (x.transpose() * x) / (n - 1);
  // The portfolio's h-day return is normal with mean w'mu h and variance w'Sigma w h, but
  // simulating the assets keeps this path usable for non-linear holdings later; LDLT copes
  // with the singular covariances that short histories give.
  Eigen::LDLT<Eigen::MatrixXd> ldlt(covariance);
  if (ldlt.info() != Eigen::Success) return core::fail("VaR: covariance factorisation failed");
  const Eigen::MatrixXd l = ldlt.transpositionsP().transpose() * Eigen::MatrixXd(ldlt.matrixL()) *
                            ldlt.vectorD().cwiseMax(0.0).cwiseSqrt().asDiagonal();
  const Eigen::VectorXd loading = l.transpose() * weights;  // portfolio exposure to each factor
  const double h = horizon_days;
  const double drift = weights.dot(mean) * h;
  core::Rng rng(options.seed);
  std::vector<double> outcomes(static_cast<std::size_t>(options.draws));
  for (double& o : outcomes) {
    double shock = 0;
    for (Eigen::Index k = 0; k < loading.size(); ++k) shock += loading[k] * rng.normal();
    o = drift + std::sqrt(h) * shock;
  }
  return empirical(VarMethod::MonteCarlo, outcomes, confidence, horizon_days);
}

core::Result<std::vector<RiskEstimate>> portfolio_risk_table(const Eigen::MatrixXd& asset_returns,
                                                             const Eigen::VectorXd& weights,
                                                             const MonteCarloVarOptions& options) {
  if (asset_returns.cols() != weights.size()) {
    return core::fail("VaR: {} weights for {} assets", weights.size(), asset_returns.cols());
  }
  const Eigen::VectorXd portfolio = asset_returns * weights;
  const std::span<const double> r(portfolio.data(), static_cast<std::size_t>(portfolio.size()));
  std::vector<RiskEstimate> table;
  for (int horizon : {1, 10}) {
    for (double confidence : {0.95, 0.99}) {
      for (auto estimate : {historical_var(r, confidence, horizon), normal_var(r, confidence, horizon),
                            cornish_fisher_var(r, confidence, horizon),
                            monte_carlo_var(asset_returns, weights, confidence, horizon, options)}) {
        if (!estimate) return std::unexpected(estimate.error());
        table.push_back(*estimate);
      }
    }
  }
  return table;
}

}  // namespace kestrel::risk
