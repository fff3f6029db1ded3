#include "allocation/qp_solver.hpp"

#include <algorithm>
#include <cmath>

namespace kestrel::allocation {
namespace {

constexpr double kSigma = 1e-6;
constexpr double kEqualityRhoScale = 1e3;
constexpr double kAlpha = 1.6;
constexpr double kRhoMin = 1e-6, kRhoMax = 1e6;

double inf_norm(const Eigen::VectorXd& v) { return v.size() == 0 ? 0.0 : v.cwiseAbs().maxCoeff(); }

}  // namespace

core::Result<QpSolution> solve_qp(const QpProblem& p, const QpOptions& options) {
  const Eigen::Index n = p.P.rows(), m = p.A.rows();
  if (p.P.cols() != n || p.q.size() != n || p.A.cols() != n || p.l.size() != m || p.u.size() != m) {
    return core::fail("QP: inconsistent dimensions (P {}x{}, q {}, A {}x{}, l {}, u {})", p.P.rows(), p.P.cols(),
                      p.q.size(), p.A.rows(), p.A.cols(), p.l.size(), p.u.size());
  }
  for (Eigen::Index i = 0; i < m; ++i) {
    if (p.l[i] > p.u[i]) return core::fail("QP: constraint {} has lower bound {} above upper bound {}", i, p.l[i], p.u[i]);
  }

  Eigen::VectorXd rho_vec(m);
  double rho = 0.1;
  auto set_rho = [&] {
    for (Eigen::Index i = 0; i < m; ++i) {
      rho_vec[i] = (p.l[i] == p.u[i]) ? rho * kEqualityRhoScale : rho;
    }
  };
  set_rho();
  Eigen::LDLT<Eigen::MatrixXd> kkt;
  auto factorise = [&] {
    Eigen::MatrixXd k = p.P + p.A.transpose() * rho_vec.asDiagonal() * p.A;
    k.diagonal().array() += kSigma;
    kkt.compute(k);
    return kkt.info() == Eigen::Success;
  };
  if (!factorise()) return core::fail("QP: factorisation failed (is P positive semi-definite?)");

  Eigen::VectorXd x = Eigen::VectorXd::Zero(n), z = Eigen::VectorXd::Zero(m), y = Eigen::VectorXd::Zero(m);
  QpSolution solution;
  for (int it = 1; it <= options.max_iterations; ++it) {
    const Eigen::VectorXd rhs = kSigma * x - p.q + p.A.transpose() * (rho_vec.cwiseProduct(z) - y);
    const Eigen::VectorXd x_tilde = kkt.solve(rhs);
    const Eigen::VectorXd z_tilde = p.A * x_tilde;
    x = kAlpha * x_tilde + (1 - kAlpha) * x;
    const Eigen::VectorXd z_relaxed = kAlpha * z_tilde + (1 - kAlpha) * z;
    const Eigen::VectorXd z_next = (z_relaxed + y.cwiseQuotient(rho_vec)).cwiseMax(p.l).cwiseMin(p.u);
    y += rho_vec.cwiseProduct(z_relaxed - z_next);
    z = z_next;

    if (it % 10 != 0) continue;
    const Eigen::VectorXd ax = p.A * x, px = p.P * x, aty = p.A.transpose() * y;
    const double primal = inf_norm(ax - z);
    const double dual = inf_norm(px + p.q + aty);
    const double primal_tol = options.eps_abs + options.eps_rel * std::max(inf_norm(ax), inf_norm(z));
    const double dual_tol =
        options.eps_abs + options.eps_rel * std::max({inf_norm(px), inf_norm(aty), inf_norm(p.q)});
    if (primal <= primal_tol && dual <= dual_tol) {
      solution.x = x;
      solution.iterations = it;
      solution.primal_residual = primal;
      solution.dual_residual = dual;
      return solution;
    }
    // Adaptive rho: balance the two residuals (each relative to its scale).
    if (it % 50 == 0) {
      const double primal_scaled = primal / std::max({inf_norm(ax), inf_norm(z), 1e-12});
      const double dual_scaled = dual / std::max({inf_norm(px), inf_norm(aty), inf_norm(p.q), 1e-12});
      const double ratio = std::sqrt(primal_scaled / std::max(dual_scaled, 1e-300));
      if (ratio > 5 || ratio < 0.2) {
        rho = std::clamp(rho * ratio, kRhoMin, kRhoMax);
        set_rho();
        if (!factorise()) return core::fail("QP: factorisation failed after a rho update");
      }
    }
  }
  return core::fail("QP: no convergence in {} iterations (constraints may be infeasible)", options.max_iterations);
}

}  // namespace kestrel::allocation
