#include "analysis/covariance.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::analysis {
namespace {

core::Status check(const Eigen::MatrixXd& returns) {
  if (returns.rows() < 2 || returns.cols() < 1) {
    return core::fail("covariance: need at least 2 days and 1 asset, got {} x {}", returns.rows(), returns.cols());
  }
  if (!returns.allFinite()) return core::fail("covariance: returns contain NaN or infinite values");
  return {};
}

Eigen::MatrixXd centered(const Eigen::MatrixXd& returns) {
  return returns.rowwise() - returns.colwise().mean();
}

}  // namespace

core::Result<Eigen::MatrixXd> sample_covariance(const Eigen::MatrixXd& returns) {
  if (auto s = check(returns); !s) return std::unexpected(s.error());
  const Eigen::MatrixXd x = centered(returns);
  return (x.transpose() * x) / static_cast<double>(returns.rows());
}

core::Result<ShrunkCovariance> ledoit_wolf_covariance(const Eigen::MatrixXd& returns) {
  if (auto s = check(returns); !s) return std::unexpected(s.error());
  const Eigen::MatrixXd x = centered(returns);
  const double n = static_cast<double>(x.rows());
  const double p = static_cast<double>(x.cols());
  const Eigen::MatrixXd covariance = (x.transpose() * x) / n;
  const double mu = covariance.trace() / p;
  // delta: distance of the sample covariance from the target; beta: how much of it is
  // estimation noise (the average distance of single-day outer products from the mean).
  const Eigen::MatrixXd x2 = x.array().square().matrix();
  const double beta_raw = (x2.transpose() * x2).sum();
  const double delta_raw = (x.transpose() * x).array().square().sum() / (n * n);
  double beta = (beta_raw / n - delta_raw) / (p * n);
  double delta = (delta_raw - 2 * mu * covariance.trace() + p * mu * mu) / p;
  beta = std::min(beta, delta);
  ShrunkCovariance out;
  out.shrinkage = beta <= 0 || delta <= 0 ? 0.0 : beta / delta;
  out.covariance = (1 - out.shrinkage) * covariance;
  out.covariance.diagonal().array() += out.shrinkage * mu;
  return out;
}

}  // namespace kestrel::analysis
