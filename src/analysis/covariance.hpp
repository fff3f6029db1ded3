#pragma once
// Covariance estimates of asset returns for risk measures and portfolio construction. With
// ~500 stocks and a few years of days the sample covariance is noisy and near-singular;
// Ledoit–Wolf shrinkage towards a scaled identity gives a well-conditioned estimate with
// the shrinkage intensity chosen from the data (Ledoit & Wolf 2004, as in scikit-learn).
#include <Eigen/Dense>

#include "core/error.hpp"

namespace kestrel::analysis {

// `returns`: days x assets, no NaN. Maximum-likelihood (divide by n) like scikit-learn's
// empirical_covariance, so the shrunk and sample estimates are on the same footing.
core::Result<Eigen::MatrixXd> sample_covariance(const Eigen::MatrixXd& returns);

struct ShrunkCovariance {
  Eigen::MatrixXd covariance;
  double shrinkage = 0;  // weight on the scaled identity, in [0, 1]
};
core::Result<ShrunkCovariance> ledoit_wolf_covariance(const Eigen::MatrixXd& returns);

}  // namespace kestrel::analysis
