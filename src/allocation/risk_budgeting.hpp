#pragma once
// Target weights that come from the risk model alone (before constraints), each summing
// to 1 and long-only:
//  - inverse volatility;
//  - equal risk contribution (every asset contributes the same share of portfolio
//    variance), by Newton's method on Spinu's convex formulation;
//  - hierarchical risk parity (López de Prado 2016): single-linkage clustering on the
//    correlation distance sqrt((1 - rho) / 2), quasi-diagonal ordering of the dendrogram,
//    then recursive bisection splitting weight by inverse cluster variance.
#include <vector>

#include <Eigen/Dense>

#include "core/error.hpp"

namespace kestrel::allocation {

core::Result<Eigen::VectorXd> inverse_volatility_weights(const Eigen::MatrixXd& covariance);
core::Result<Eigen::VectorXd> equal_risk_contribution_weights(const Eigen::MatrixXd& covariance);
core::Result<Eigen::VectorXd> hierarchical_risk_parity_weights(const Eigen::MatrixXd& covariance);

// The leaf order HRP uses (exposed for tests): dendrogram leaves left to right, where each
// merge puts the cluster with the smaller id on the left (SciPy's convention).
std::vector<int> quasi_diagonal_order(const Eigen::MatrixXd& covariance);

}  // namespace kestrel::allocation
