#include "allocation/portfolio_optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "allocation/qp_solver.hpp"
#include "allocation/risk_budgeting.hpp"
#include "analysis/covariance.hpp"

namespace kestrel::allocation {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kZero = 1e-6;  // weights below this (solver noise) are treated as not held

struct Row {
  Eigen::VectorXd a;  // over the QP variables
  double l, u;
};

// Linear constraints over x = [w (n) ; t (n, |w - previous|, if turnover) ; g (n, |w|, if
// long-short)]. `active[i]` false pins w_i to zero.
struct ConstraintSet {
  Eigen::Index n = 0, variables = 0;
  Eigen::Index t_offset = -1, g_offset = -1;
  std::vector<Row> rows;
};

ConstraintSet build_constraints(const AllocationInput& in, const AllocationConstraints& c,
                                const std::vector<bool>& active, double invested) {
  ConstraintSet s;
  s.n = static_cast<Eigen::Index>(in.tickers.size());
  s.variables = s.n;
  const bool turnover = c.max_turnover.has_value();
  if (turnover) {
    s.t_offset = s.variables;
    s.variables += s.n;
  }
  if (!c.long_only) {
    s.g_offset = s.variables;
    s.variables += s.n;
  }
  auto row = [&](double l, double u) {
    s.rows.push_back({Eigen::VectorXd::Zero(s.variables), l, u});
    return &s.rows.back().a;
  };
  const Eigen::Index n = s.n;
  for (Eigen::Index i = 0; i < n; ++i) {
    const bool on = active[static_cast<std::size_t>(i)];
    const double hi = on ? c.max_weight : 0.0;
    const double lo = on && !c.long_only ? -c.max_weight : 0.0;
    (*row(lo, hi))[i] = 1;
  }
  std::map<std::string, std::vector<Eigen::Index>> by_sector;
  for (Eigen::Index i = 0; i < n; ++i) by_sector[in.sectors[static_cast<std::size_t>(i)]].push_back(i);
  for (const auto& [sector, members] : by_sector) {
    if (static_cast<double>(members.size()) * c.max_weight <= c.max_sector_weight) continue;  // cannot bind
    Eigen::VectorXd* a = row(c.long_only ? -kInf : -c.max_sector_weight, c.max_sector_weight);
    for (Eigen::Index i : members) (*a)[i] = 1;
  }
  Eigen::VectorXd* budget = row(c.long_only ? invested : c.net_exposure, c.long_only ? invested : c.net_exposure);
  budget->head(n).setOnes();
  if (turnover) {
    const Eigen::VectorXd previous =
        in.previous_weights.size() == n ? in.previous_weights : Eigen::VectorXd::Zero(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::VectorXd* up = row(-previous[i], kInf);  // t_i - w_i >= -prev_i
      (*up)[s.t_offset + i] = 1;
      (*up)[i] = -1;
      Eigen::VectorXd* down = row(previous[i], kInf);  // t_i + w_i >= prev_i
      (*down)[s.t_offset + i] = 1;
      (*down)[i] = 1;
    }
    Eigen::VectorXd* total = row(-kInf, *c.max_turnover);
    total->segment(s.t_offset, n).setOnes();
  }
  if (!c.long_only) {
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::VectorXd* up = row(0, kInf);  // g_i - w_i >= 0
      (*up)[s.g_offset + i] = 1;
      (*up)[i] = -1;
      Eigen::VectorXd* down = row(0, kInf);  // g_i + w_i >= 0
      (*down)[s.g_offset + i] = 1;
      (*down)[i] = 1;
    }
    Eigen::VectorXd* gross = row(-kInf, 1 - c.min_cash);
    gross->segment(s.g_offset, n).setOnes();
  }
  return s;
}

QpProblem to_qp(const ConstraintSet& s, Eigen::MatrixXd objective, Eigen::VectorXd linear) {
  QpProblem p;
  p.P = Eigen::MatrixXd::Zero(s.variables, s.variables);
  p.P.topLeftCorner(s.n, s.n) = objective;
  p.q = Eigen::VectorXd::Zero(s.variables);
  p.q.head(s.n) = linear;
  const auto m = static_cast<Eigen::Index>(s.rows.size());
  p.A.resize(m, s.variables);
  p.l.resize(m);
  p.u.resize(m);
  for (Eigen::Index r = 0; r < m; ++r) {
    p.A.row(r) = s.rows[static_cast<std::size_t>(r)].a.transpose();
    p.l[r] = s.rows[static_cast<std::size_t>(r)].l;
    p.u[r] = s.rows[static_cast<std::size_t>(r)].u;
  }
  return p;
}

// Max Sharpe: with w = y / kappa, maximising mu'w / sqrt(w'Sw) over {Aw in [l, u]} equals
// minimising y'Sy over {mu'y = 1, kappa >= 0, A y in [l kappa, u kappa]}.
core::Result<QpSolution> solve_max_sharpe(const ConstraintSet& s, const Eigen::MatrixXd& covariance,
                                          const Eigen::VectorXd& mu) {
  const Eigen::Index v = s.variables + 1, kappa = s.variables;
  std::vector<Row> rows;
  for (const Row& r : s.rows) {
    Eigen::VectorXd a = Eigen::VectorXd::Zero(v);
    a.head(s.variables) = r.a;
    if (r.l == r.u) {
      a[kappa] = -r.u;
      rows.push_back({a, 0, 0});
      continue;
    }
    if (std::isfinite(r.u)) {
      a[kappa] = -r.u;
      rows.push_back({a, -kInf, 0});
    }
    if (std::isfinite(r.l)) {
      a[kappa] = -r.l;
      rows.push_back({a, 0, kInf});
    }
  }
  Eigen::VectorXd normalise = Eigen::VectorXd::Zero(v);
  normalise.head(s.n) = mu;
  rows.push_back({normalise, 1, 1});
  Eigen::VectorXd positive = Eigen::VectorXd::Zero(v);
  positive[kappa] = 1;
  rows.push_back({positive, 0, kInf});
  QpProblem p;
  p.P = Eigen::MatrixXd::Zero(v, v);
  p.P.topLeftCorner(s.n, s.n) = covariance;
  p.q = Eigen::VectorXd::Zero(v);
  const auto m = static_cast<Eigen::Index>(rows.size());
  p.A.resize(m, v);
  p.l.resize(m);
  p.u.resize(m);
  for (Eigen::Index r = 0; r < m; ++r) {
    p.A.row(r) = rows[static_cast<std::size_t>(r)].a.transpose();
    p.l[r] = rows[static_cast<std::size_t>(r)].l;
    p.u[r] = rows[static_cast<std::size_t>(r)].u;
  }
  auto solved = solve_qp(p);
  if (!solved) return solved;
  const double k = solved->x[kappa];
  if (!(k > 1e-12)) return core::fail("max Sharpe: degenerate solution (no feasible portfolio with positive expected return)");
  Eigen::VectorXd weights = solved->x.head(s.variables) / k;  // a temporary: x is resized
  solved->x = std::move(weights);
  return solved;
}

// Largest sum of weights the caps allow over the active names (long-only).
double capacity(const AllocationInput& in, const AllocationConstraints& c, const std::vector<bool>& active) {
  std::map<std::string, int> count;
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (active[i]) ++count[in.sectors[i]];
  }
  double total = 0;
  for (const auto& [sector, k] : count) total += std::min(c.max_sector_weight, k * c.max_weight);
  return total;
}

core::Status check_input(AllocationMethod method, const AllocationInput& in, const AllocationConstraints& c) {
  const auto n = static_cast<Eigen::Index>(in.tickers.size());
  if (n == 0) return core::fail("allocation: no candidate tickers");
  if (static_cast<Eigen::Index>(in.sectors.size()) != n) return core::fail("allocation: {} sectors for {} tickers", in.sectors.size(), n);
  if (in.returns.cols() != n) return core::fail("allocation: returns have {} columns for {} tickers", in.returns.cols(), n);
  if (in.returns.rows() < 20) return core::fail("allocation: need at least 20 days of returns for the risk model, got {}", in.returns.rows());
  if (in.previous_weights.size() != 0 && in.previous_weights.size() != n) return core::fail("allocation: previous weights have {} entries for {} tickers", in.previous_weights.size(), n);
  if (method == AllocationMethod::MaxSharpe && in.expected_returns.size() != n) return core::fail("allocation: max Sharpe needs one expected return per ticker");
  if (!(c.max_weight > 0 && c.max_weight <= 1)) return core::fail("allocation: max_weight must be in (0, 1], got {}", c.max_weight);
  if (!(c.max_sector_weight > 0 && c.max_sector_weight <= 1)) return core::fail("allocation: max_sector_weight must be in (0, 1], got {}", c.max_sector_weight);
  if (!(c.min_cash >= 0 && c.min_cash < 1)) return core::fail("allocation: min_cash must be in [0, 1), got {}", c.min_cash);
  if (c.max_positions < 1) return core::fail("allocation: max_positions must be >= 1, got {}", c.max_positions);
  if (c.max_turnover && !(*c.max_turnover >= 0)) return core::fail("allocation: max_turnover must be >= 0");
  if (!c.long_only && method != AllocationMethod::MaxSharpe) {
    return core::fail("allocation: long-short portfolios are built with max_sharpe (the other methods are long-only by construction)");
  }
  return {};
}

}  // namespace

std::string to_string(AllocationMethod method) {
  switch (method) {
    case AllocationMethod::EqualWeight: return "equal_weight";
    case AllocationMethod::InverseVolatility: return "inverse_volatility";
    case AllocationMethod::MinimumVariance: return "minimum_variance";
    case AllocationMethod::MaxSharpe: return "max_sharpe";
    case AllocationMethod::EqualRiskContribution: return "equal_risk_contribution";
    case AllocationMethod::HierarchicalRiskParity: return "hierarchical_risk_parity";
  }
  return "?";
}

core::Result<AllocationMethod> parse_allocation_method(const std::string& name) {
  for (auto m : {AllocationMethod::EqualWeight, AllocationMethod::InverseVolatility, AllocationMethod::MinimumVariance,
                 AllocationMethod::MaxSharpe, AllocationMethod::EqualRiskContribution,
                 AllocationMethod::HierarchicalRiskParity}) {
    if (to_string(m) == name) return m;
  }
  return core::fail("unknown allocation method '{}' (equal_weight, inverse_volatility, minimum_variance, max_sharpe, "
                    "equal_risk_contribution, hierarchical_risk_parity)", name);
}

core::Result<Allocation> allocate(AllocationMethod method, const AllocationInput& in, const AllocationConstraints& c) {
  if (auto s = check_input(method, in, c); !s) return std::unexpected(s.error());
  const auto n = static_cast<Eigen::Index>(in.tickers.size());
  auto shrunk = analysis::ledoit_wolf_covariance(in.returns);
  if (!shrunk) return std::unexpected(shrunk.error());
  Allocation out;
  out.covariance_shrinkage = shrunk->shrinkage;
  // Work in units of the average variance: the solver's tolerances are then meaningful.
  const double scale = shrunk->covariance.diagonal().mean();
  const Eigen::MatrixXd covariance = shrunk->covariance / scale;

  std::vector<bool> active(static_cast<std::size_t>(n), true);
  // A small account cannot hold more names than it can fund at the minimum position size.
  int max_positions = c.max_positions;
  if (c.min_position_value > 0) {
    const double affordable = std::floor((1 - c.min_cash) * c.equity / c.min_position_value + 1e-9);
    max_positions = static_cast<int>(std::min<double>(max_positions, std::max(1.0, affordable)));
  }
  for (int round = 0; round < 2 * static_cast<int>(n) + 2; ++round) {
    const int active_count = static_cast<int>(std::count(active.begin(), active.end(), true));
    if (active_count == 0) return core::fail("allocation: no name can be held (all below the minimum position value)");
    double invested = 1 - c.min_cash;
    if (c.long_only) {
      const double cap = capacity(in, c, active);
      if (cap < invested - 1e-12) {
        out.notes.push_back(fmt::format("caps allow only {:.1f}% invested over {} names; the rest stays in cash",
                                        100 * cap, active_count));
        invested = cap;
      }
      // A turnover cap also caps how far the invested share can move in one rebalance: from
      // cash (or from a book far from the target) the portfolio goes part of the way, and the
      // budget is what the cap allows — otherwise no weights could meet both.
      if (c.max_turnover) {
        // 90% of the cap for the move, 10% left for trading between names: a budget that used
        // the whole cap would leave exactly one feasible point (every weight only up), which
        // the ADMM solver does not reach.
        const double previous = in.previous_weights.size() == static_cast<Eigen::Index>(n) ? in.previous_weights.sum() : 0.0;
        const double step = 0.9 * *c.max_turnover;
        const double moved = std::clamp(invested, previous - step, previous + step);
        if (std::abs(moved - invested) > 1e-12 && round == 0) {
          out.notes.push_back(fmt::format("turnover cap {:.1f}%: {:.1f}% invested this rebalance (target {:.1f}%, now {:.1f}%)",
                                          100 * *c.max_turnover, 100 * moved, 100 * invested, 100 * previous));
        }
        invested = moved;
      }
    }
    const ConstraintSet set = build_constraints(in, c, active, invested);

    core::Result<QpSolution> solved = core::fail("unreachable");
    if (method == AllocationMethod::MinimumVariance) {
      solved = solve_qp(to_qp(set, covariance, Eigen::VectorXd::Zero(n)));
    } else if (method == AllocationMethod::MaxSharpe) {
      const Eigen::VectorXd mu = in.expected_returns / std::sqrt(scale);
      if (c.long_only && (mu.array() <= 0).all()) {
        return core::fail("allocation: max Sharpe needs at least one positive expected return");
      }
      solved = solve_max_sharpe(set, covariance, mu);
    } else {
      // Risk-model targets, computed over the names still active.
      std::vector<Eigen::Index> idx;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (active[static_cast<std::size_t>(i)]) idx.push_back(i);
      }
      Eigen::MatrixXd sub(static_cast<Eigen::Index>(idx.size()), static_cast<Eigen::Index>(idx.size()));
      for (std::size_t a = 0; a < idx.size(); ++a) {
        for (std::size_t b = 0; b < idx.size(); ++b) sub(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = covariance(idx[a], idx[b]);
      }
      core::Result<Eigen::VectorXd> target_sub = Eigen::VectorXd::Constant(sub.rows(), 1.0 / static_cast<double>(sub.rows()));
      if (method == AllocationMethod::InverseVolatility) target_sub = inverse_volatility_weights(sub);
      if (method == AllocationMethod::EqualRiskContribution) target_sub = equal_risk_contribution_weights(sub);
      if (method == AllocationMethod::HierarchicalRiskParity) target_sub = hierarchical_risk_parity_weights(sub);
      if (!target_sub) return std::unexpected(target_sub.error());
      Eigen::VectorXd target = Eigen::VectorXd::Zero(n);
      for (std::size_t a = 0; a < idx.size(); ++a) target[idx[a]] = (*target_sub)[static_cast<Eigen::Index>(a)] * invested;
      solved = solve_qp(to_qp(set, Eigen::MatrixXd::Identity(n, n), -target));
      if (solved && (solved->x.head(n) - target).cwiseAbs().maxCoeff() > 1e-6 && round == 0) {
        out.notes.push_back(fmt::format("{} target adjusted to meet the caps", to_string(method)));
      }
    }
    if (!solved) return core::fail("allocation ({}): {}", to_string(method), solved.error().message);
    out.solver_iterations += solved->iterations;
    Eigen::VectorXd w = solved->x.head(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      if (std::abs(w[i]) < kZero) w[i] = 0;
    }

    // Cardinality, then minimum position size: drop the smallest names and solve again.
    std::vector<Eigen::Index> held;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (w[i] != 0) held.push_back(i);
    }
    // Largest first; weights equal to 1e-7 count as ties and keep the caller's order (the
    // candidates' ranking, e.g. by model score).
    std::sort(held.begin(), held.end(), [&](Eigen::Index a, Eigen::Index b) {
      const double wa = std::round(std::abs(w[a]) * 1e7), wb = std::round(std::abs(w[b]) * 1e7);
      return wa != wb ? wa > wb : a < b;
    });
    if (static_cast<int>(held.size()) > max_positions) {
      // Keep the largest names, but no more per sector than its cap can fill at the stock
      // cap: otherwise the kept names could crowd into one sector and leave the rest in cash.
      const auto per_sector = static_cast<int>(std::ceil(c.max_sector_weight / c.max_weight - 1e-9));
      std::map<std::string, int> in_sector;
      std::vector<Eigen::Index> kept, skipped;
      for (Eigen::Index i : held) {
        const std::string& sector = in.sectors[static_cast<std::size_t>(i)];
        if (static_cast<int>(kept.size()) < max_positions && in_sector[sector] < per_sector) {
          kept.push_back(i);
          ++in_sector[sector];
        } else {
          skipped.push_back(i);
        }
      }
      // Too few sectors to fill the slots that way: top up with the largest skipped names.
      for (Eigen::Index i : skipped) {
        if (static_cast<int>(kept.size()) >= max_positions) break;
        kept.push_back(i);
      }
      std::fill(active.begin(), active.end(), false);
      for (Eigen::Index i : kept) active[static_cast<std::size_t>(i)] = true;
      out.notes.push_back(fmt::format("kept {} of {} positions (largest first, at most {} per sector)", kept.size(),
                                      held.size(), per_sector));
      continue;
    }
    // Names below the minimum position value are dropped; if that would drop every name,
    // only the smallest goes, so the remaining ones grow towards the minimum.
    std::vector<Eigen::Index> too_small;
    for (Eigen::Index i : held) {
      if (std::abs(w[i]) * c.equity < c.min_position_value * (1 - 1e-9)) too_small.push_back(i);
    }
    if (!too_small.empty() && too_small.size() == held.size()) too_small.erase(too_small.begin(), too_small.end() - 1);
    for (Eigen::Index i : too_small) {
      active[static_cast<std::size_t>(i)] = false;
      out.notes.push_back(fmt::format("dropped {}: ${:.2f} is below the ${:.0f} minimum position",
                                      in.tickers[static_cast<std::size_t>(i)], std::abs(w[i]) * c.equity,
                                      c.min_position_value));
    }
    const bool dropped = !too_small.empty();
    if (dropped) continue;
    out.weights = w;
    out.cash = 1 - w.sum();
    return out;
  }
  return core::fail("allocation ({}): constraints could not be met", to_string(method));
}

}  // namespace kestrel::allocation
