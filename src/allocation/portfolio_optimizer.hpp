#pragma once
// Portfolio construction: from candidates, their return history (the risk model) and,
// for mean–variance, expected returns, to target weights that satisfy the plan's limits.
//
// Every method goes through one constrained quadratic program (qp_solver.hpp):
//  - minimum variance and max Sharpe optimise over the constraints directly (max Sharpe by
//    the Charnes–Cooper homogenisation, which makes the ratio a convex QP);
//  - equal weight, inverse volatility, equal risk contribution and HRP compute their own
//    target and are projected onto the constraints (the closest feasible weights in the
//    least-squares sense), so a binding cap moves as little weight as possible.
// The covariance is Ledoit–Wolf shrunk. Limits on the number of positions and the minimum
// position value are met by dropping the smallest names and solving again.
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/error.hpp"

namespace kestrel::allocation {

enum class AllocationMethod {
  EqualWeight,
  InverseVolatility,
  MinimumVariance,
  MaxSharpe,
  EqualRiskContribution,
  HierarchicalRiskParity,
};
std::string to_string(AllocationMethod method);
core::Result<AllocationMethod> parse_allocation_method(const std::string& name);

struct AllocationConstraints {
  bool long_only = true;           // false: weights may be negative (then net_exposure applies)
  double max_weight = 0.10;        // per stock, |w|
  double max_sector_weight = 0.30; // per sector, |sum w| (long-only: sum w)
  double min_cash = 0.20;          // long-only: weights sum to 1 - min_cash; long-short: gross <= 1 - min_cash
  double net_exposure = 0.0;       // long-short only: sum w
  int max_positions = 20;
  double min_position_value = 100;  // dollars, with `equity`
  double equity = 100'000;
  std::optional<double> max_turnover;  // sum |w - previous| per rebalance
};

struct AllocationInput {
  std::vector<std::string> tickers;
  std::vector<std::string> sectors;   // one per ticker
  Eigen::MatrixXd returns;            // days x tickers, daily simple returns, no NaN
  Eigen::VectorXd expected_returns;   // daily, one per ticker; MaxSharpe only
  Eigen::VectorXd previous_weights;   // empty = no previous holdings (turnover measured from cash)
};

struct Allocation {
  Eigen::VectorXd weights;  // one per input ticker; zero for names not held
  double cash = 1.0;        // 1 - sum(weights) (long-only)
  double covariance_shrinkage = 0;
  int solver_iterations = 0;
  std::vector<std::string> notes;  // what the constraints changed, for reports and logs
};

core::Result<Allocation> allocate(AllocationMethod method, const AllocationInput& input,
                                  const AllocationConstraints& constraints);

}  // namespace kestrel::allocation
