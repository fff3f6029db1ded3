#include "allocation/risk_budgeting.hpp"

#include <cmath>
#include <limits>

namespace kestrel::allocation {
namespace {

core::Status check_covariance(const Eigen::MatrixXd& c) {
  if (c.rows() == 0 || c.rows() != c.cols()) return core::fail("covariance must be square and non-empty, got {}x{}", c.rows(), c.cols());
  if (!c.allFinite()) return core::fail("covariance contains NaN or infinite values");
  for (Eigen::Index i = 0; i < c.rows(); ++i) {
    if (!(c(i, i) > 0)) return core::fail("asset {} has zero or negative variance", i);
  }
  return {};
}

// Variance of the inverse-variance portfolio of a sub-cluster.
double cluster_variance(const Eigen::MatrixXd& c, const std::vector<int>& items) {
  Eigen::VectorXd w(static_cast<Eigen::Index>(items.size()));
  for (std::size_t k = 0; k < items.size(); ++k) w[static_cast<Eigen::Index>(k)] = 1.0 / c(items[k], items[k]);
  w /= w.sum();
  double v = 0;
  for (std::size_t a = 0; a < items.size(); ++a) {
    for (std::size_t b = 0; b < items.size(); ++b) {
      v += w[static_cast<Eigen::Index>(a)] * w[static_cast<Eigen::Index>(b)] * c(items[a], items[b]);
    }
  }
  return v;
}

}  // namespace

core::Result<Eigen::VectorXd> inverse_volatility_weights(const Eigen::MatrixXd& covariance) {
  if (auto s = check_covariance(covariance); !s) return std::unexpected(s.error());
  Eigen::VectorXd w = covariance.diagonal().cwiseSqrt().cwiseInverse();
  return w / w.sum();
}

core::Result<Eigen::VectorXd> equal_risk_contribution_weights(const Eigen::MatrixXd& covariance) {
  if (auto s = check_covariance(covariance); !s) return std::unexpected(s.error());
  const Eigen::Index n = covariance.rows();
  // Scale to unit average variance for a well-conditioned Newton iteration.
  const Eigen::MatrixXd c = covariance / covariance.diagonal().mean();
  const double b = 1.0 / static_cast<double>(n);
  // minimise f(x) = 1/2 x'Cx - b * sum(log x): at the optimum x_i (Cx)_i = b for all i.
  Eigen::VectorXd x = c.diagonal().cwiseSqrt().cwiseInverse();
  x *= std::sqrt(1.0 / x.dot(c * x));
  auto f = [&](const Eigen::VectorXd& v) { return 0.5 * v.dot(c * v) - b * v.array().log().sum(); };
  for (int it = 0; it < 100; ++it) {
    const Eigen::VectorXd gradient = c * x - b * x.cwiseInverse();
    if (gradient.cwiseAbs().maxCoeff() < 1e-14) break;
    Eigen::MatrixXd hessian = c;
    hessian.diagonal() += (b * x.array().square().inverse()).matrix();
    const Eigen::VectorXd step = hessian.ldlt().solve(gradient);
    double t = 1.0;
    while (((x - t * step).array() <= 0).any()) t *= 0.5;  // stay in the positive orthant
    const double f0 = f(x);
    while (f(x - t * step) > f0 - 1e-4 * t * gradient.dot(step) && t > 1e-12) t *= 0.5;
    x -= t * step;
  }
  return x / x.sum();
}

std::vector<int> quasi_diagonal_order(const Eigen::MatrixXd& covariance) {
  const int n = static_cast<int>(covariance.rows());
  if (n == 1) return {0};
  const Eigen::VectorXd sd = covariance.diagonal().cwiseSqrt();
  // Single linkage via the Lance–Williams update d(k, i+j) = min(d(k, i), d(k, j)).
  Eigen::MatrixXd d(n, n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      const double rho = std::clamp(covariance(i, j) / (sd[i] * sd[j]), -1.0, 1.0);
      d(i, j) = std::sqrt(std::max(0.0, (1 - rho) / 2));
    }
  }
  std::vector<int> cluster_id(static_cast<std::size_t>(n));      // id of the cluster in slot i
  std::vector<bool> alive(static_cast<std::size_t>(n), true);
  for (int i = 0; i < n; ++i) cluster_id[static_cast<std::size_t>(i)] = i;
  std::vector<std::pair<int, int>> children(static_cast<std::size_t>(n - 1));  // merge k creates id n + k
  for (int merge = 0; merge < n - 1; ++merge) {
    double best = std::numeric_limits<double>::infinity();
    int bi = -1, bj = -1;
    for (int i = 0; i < n; ++i) {
      if (!alive[static_cast<std::size_t>(i)]) continue;
      for (int j = i + 1; j < n; ++j) {
        if (alive[static_cast<std::size_t>(j)] && d(i, j) < best) {
          best = d(i, j);
          bi = i;
          bj = j;
        }
      }
    }
    const int a = cluster_id[static_cast<std::size_t>(bi)], b = cluster_id[static_cast<std::size_t>(bj)];
    children[static_cast<std::size_t>(merge)] = {std::min(a, b), std::max(a, b)};
    for (int k = 0; k < n; ++k) d(bi, k) = d(k, bi) = std::min(d(bi, k), d(bj, k));
    alive[static_cast<std::size_t>(bj)] = false;
    cluster_id[static_cast<std::size_t>(bi)] = n + merge;
  }
  std::vector<int> order;
  std::vector<int> stack{2 * n - 2};
  while (!stack.empty()) {
    const int id = stack.back();
    stack.pop_back();
    if (id < n) {
      order.push_back(id);
    } else {
      const auto [left, right] = children[static_cast<std::size_t>(id - n)];
      stack.push_back(right);  // left is expanded first
      stack.push_back(left);
    }
  }
  return order;
}

core::Result<Eigen::VectorXd> hierarchical_risk_parity_weights(const Eigen::MatrixXd& covariance) {
  if (auto s = check_covariance(covariance); !s) return std::unexpected(s.error());
  const std::vector<int> order = quasi_diagonal_order(covariance);
  Eigen::VectorXd w = Eigen::VectorXd::Ones(covariance.rows());
  std::vector<std::vector<int>> clusters{order};
  while (!clusters.empty()) {
    std::vector<std::vector<int>> next;
    for (const auto& cluster : clusters) {
      if (cluster.size() < 2) continue;
      const auto half = static_cast<long>(cluster.size() / 2);
      std::vector<int> left(cluster.begin(), cluster.begin() + half), right(cluster.begin() + half, cluster.end());
      const double v_left = cluster_variance(covariance, left), v_right = cluster_variance(covariance, right);
      const double alpha = 1 - v_left / (v_left + v_right);
      for (int i : left) w[i] *= alpha;
      for (int i : right) w[i] *= 1 - alpha;
      next.push_back(std::move(left));
      next.push_back(std::move(right));
    }
    clusters = std::move(next);
  }
  return w / w.sum();
}

}  // namespace kestrel::allocation
