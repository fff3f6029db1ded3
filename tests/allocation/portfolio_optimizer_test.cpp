#include "allocation/portfolio_optimizer.hpp"

#include <fstream>
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "allocation/risk_budgeting.hpp"
#include "analysis/covariance.hpp"
#include "core/rng.hpp"

namespace kestrel::allocation {
namespace {

// Written by tests/allocation/make_allocation_reference.py (scikit-learn, numpy, scipy).
const nlohmann::json& reference() {
  static const nlohmann::json j = [] {
    std::ifstream in(KESTREL_SOURCE_DIR "/tests/allocation/fixtures/allocation_reference.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

Eigen::MatrixXd matrix(const nlohmann::json& rows) {
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows[0].size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < rows[i].size(); ++j) m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j].get<double>();
  }
  return m;
}

Eigen::VectorXd vec(const nlohmann::json& values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) v[static_cast<Eigen::Index>(i)] = values[i].get<double>();
  return v;
}

AllocationInput input_from(const Eigen::MatrixXd& returns, const Eigen::VectorXd& mu, std::vector<std::string> sectors) {
  AllocationInput in;
  for (Eigen::Index i = 0; i < returns.cols(); ++i) in.tickers.push_back(fmt::format("T{}", i));
  in.sectors = std::move(sectors);
  in.returns = returns;
  in.expected_returns = mu;
  return in;
}

AllocationConstraints unconstrained() {
  AllocationConstraints c;
  c.max_weight = 1;
  c.max_sector_weight = 1;
  c.min_cash = 0;
  c.max_positions = 1000;
  c.min_position_value = 0;
  return c;
}

AllocationInput small_input() {
  const auto& r = reference();
  return input_from(matrix(r["small_returns"]), vec(r["small_expected_returns"]), std::vector<std::string>(6, "S"));
}

AllocationInput large_input() {
  const auto& r = reference();
  return input_from(matrix(r["returns"]), vec(r["expected_returns"]), r["sectors"].get<std::vector<std::string>>());
}

void expect_weights_near(const Eigen::VectorXd& got, const nlohmann::json& expected, double tolerance) {
  ASSERT_EQ(got.size(), static_cast<Eigen::Index>(expected.size()));
  for (Eigen::Index i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[static_cast<std::size_t>(i)].get<double>(), tolerance) << "weight " << i;
  }
}

TEST(PortfolioOptimizer, MinimumVarianceMatchesClosedForm) {
  auto a = allocate(AllocationMethod::MinimumVariance, small_input(), unconstrained());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  expect_weights_near(a->weights, reference()["min_variance_closed_form"], 1e-6);
}

TEST(PortfolioOptimizer, MaxSharpeMatchesTangencyPortfolio) {
  auto a = allocate(AllocationMethod::MaxSharpe, small_input(), unconstrained());
  ASSERT_TRUE(a.has_value()) << a.error().message;
  expect_weights_near(a->weights, reference()["tangency_closed_form"], 1e-6);
}

TEST(PortfolioOptimizer, ConstrainedMinimumVarianceMatchesSlsqp) {
  AllocationConstraints c = unconstrained();
  c.max_weight = 0.10;
  c.max_sector_weight = 0.30;
  c.min_cash = 0.20;
  auto a = allocate(AllocationMethod::MinimumVariance, large_input(), c);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  expect_weights_near(a->weights, reference()["min_variance_constrained"], 2e-5);
}

TEST(PortfolioOptimizer, ConstrainedMaxSharpeIsAtLeastAsGoodAsSlsqp) {
  AllocationConstraints c = unconstrained();
  c.max_weight = 0.10;
  c.max_sector_weight = 0.30;
  c.min_cash = 0.20;
  const AllocationInput in = large_input();
  auto a = allocate(AllocationMethod::MaxSharpe, in, c);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  const Eigen::MatrixXd cov = analysis::ledoit_wolf_covariance(in.returns)->covariance;
  const double sharpe = a->weights.dot(in.expected_returns) / std::sqrt(a->weights.dot(cov * a->weights));
  EXPECT_NEAR(sharpe, reference()["max_sharpe_constrained_sharpe"].get<double>(), 1e-6);
  expect_weights_near(a->weights, reference()["max_sharpe_constrained"], 2e-3);
}

TEST(RiskBudgeting, HrpMatchesScipyLinkageReference) {
  const Eigen::MatrixXd cov = analysis::ledoit_wolf_covariance(large_input().returns)->covariance;
  EXPECT_EQ(quasi_diagonal_order(cov), reference()["hrp_order"].get<std::vector<int>>());
  auto w = hierarchical_risk_parity_weights(cov);
  ASSERT_TRUE(w.has_value());
  expect_weights_near(*w, reference()["hrp"], 1e-12);
}

TEST(RiskBudgeting, EqualRiskContributionEqualisesContributions) {
  const Eigen::MatrixXd cov = analysis::ledoit_wolf_covariance(large_input().returns)->covariance;
  auto w = equal_risk_contribution_weights(cov);
  ASSERT_TRUE(w.has_value());
  const Eigen::VectorXd contribution = w->cwiseProduct(cov * *w);
  EXPECT_LT((contribution.array() / contribution.mean() - 1).abs().maxCoeff(), 1e-9);
  expect_weights_near(*w, reference()["erc"], 1e-5);
}

TEST(RiskBudgeting, TwoAssetClosedForms) {
  Eigen::MatrixXd cov(2, 2);
  cov << 0.04, 0.0, 0.0, 0.01;  // vols 20% and 10%, uncorrelated
  EXPECT_NEAR((*inverse_volatility_weights(cov))[0], 1.0 / 3, 1e-15);
  EXPECT_NEAR((*equal_risk_contribution_weights(cov))[0], 1.0 / 3, 1e-12);  // uncorrelated ERC = inverse vol
  EXPECT_NEAR((*hierarchical_risk_parity_weights(cov))[0], 0.2, 1e-15);     // inverse variance
}

// Every method, random inputs: all limits hold.
TEST(PortfolioOptimizer, EveryMethodSatisfiesEveryConstraint) {
  const AllocationInput base = large_input();
  AllocationConstraints c;  // the plan's defaults: 10% / 30% / 20% cash / 20 positions / $100
  c.equity = 50'000;
  for (auto method : {AllocationMethod::EqualWeight, AllocationMethod::InverseVolatility, AllocationMethod::MinimumVariance,
                      AllocationMethod::MaxSharpe, AllocationMethod::EqualRiskContribution,
                      AllocationMethod::HierarchicalRiskParity}) {
    for (bool with_turnover : {false, true}) {
      SCOPED_TRACE(to_string(method) + (with_turnover ? " with turnover" : ""));
      AllocationInput in = base;
      AllocationConstraints cc = c;
      if (with_turnover) {
        in.previous_weights = Eigen::VectorXd::Zero(30);
        for (int i = 0; i < 8; ++i) in.previous_weights[i * 3] = 0.1;
        cc.max_turnover = 0.5;
      }
      auto a = allocate(method, in, cc);
      ASSERT_TRUE(a.has_value()) << a.error().message;
      const Eigen::VectorXd& w = a->weights;
      constexpr double eps = 1e-6;
      EXPECT_GE(w.minCoeff(), -eps);
      EXPECT_LE(w.maxCoeff(), cc.max_weight + eps);
      EXPECT_NEAR(w.sum(), 1 - cc.min_cash, 1e-5);
      EXPECT_GE(a->cash, cc.min_cash - 1e-5);
      std::map<std::string, double> sector;
      int held = 0;
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        sector[in.sectors[static_cast<std::size_t>(i)]] += w[i];
        if (w[i] != 0) {
          ++held;
          EXPECT_GE(w[i] * cc.equity, cc.min_position_value - 1e-6);
        }
      }
      for (const auto& [name, total] : sector) EXPECT_LE(total, cc.max_sector_weight + eps) << name;
      EXPECT_LE(held, cc.max_positions);
      if (with_turnover) {
        EXPECT_LE((w - in.previous_weights).cwiseAbs().sum(), *cc.max_turnover + 1e-5);
      }
    }
  }
}

// From cash, a 10% turnover cap cannot reach 80% invested in one rebalance: every method goes
// 9% of the way (90% of the cap; the rest stays in cash, with a note) instead of failing as
// infeasible; the next rebalance, from there, goes 9% further.
TEST(PortfolioOptimizer, ATurnoverCapFromCashMovesPartOfTheWay) {
  for (auto method : {AllocationMethod::EqualWeight, AllocationMethod::InverseVolatility, AllocationMethod::MinimumVariance,
                      AllocationMethod::MaxSharpe, AllocationMethod::EqualRiskContribution,
                      AllocationMethod::HierarchicalRiskParity}) {
    SCOPED_TRACE(to_string(method));
    AllocationInput in = large_input();
    AllocationConstraints c;
    c.equity = 1'000'000;
    c.max_turnover = 0.1;
    auto first = allocate(method, in, c);
    ASSERT_TRUE(first.has_value()) << first.error().message;
    EXPECT_NEAR(first->weights.sum(), 0.09, 1e-5);
    EXPECT_LE(first->weights.cwiseAbs().sum(), 0.1 + 1e-5);
    EXPECT_TRUE(std::any_of(first->notes.begin(), first->notes.end(), [](const std::string& n) {
      return n.find("turnover cap 10.0%: 9.0% invested this rebalance (target 80.0%, now 0.0%)") != std::string::npos;
    })) << ::testing::PrintToString(first->notes);
    in.previous_weights = first->weights;
    auto second = allocate(method, in, c);
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_NEAR(second->weights.sum(), 0.18, 1e-5);
    EXPECT_LE((second->weights - first->weights).cwiseAbs().sum(), 0.1 + 1e-5);
  }
}

TEST(PortfolioOptimizer, TinyAccountDropsPositionsBelowTheMinimum) {
  AllocationConstraints c;
  c.equity = 1'000;  // 10% of $1,000 = $100: equal weight over 30 names would be $26 each
  auto a = allocate(AllocationMethod::EqualWeight, large_input(), c);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  for (Eigen::Index i = 0; i < a->weights.size(); ++i) {
    if (a->weights[i] != 0) {
      EXPECT_GE(a->weights[i] * c.equity, 100 - 1e-6);
    }
  }
  EXPECT_FALSE(a->notes.empty());
}

TEST(PortfolioOptimizer, ClearErrors) {
  AllocationInput in = large_input();
  in.sectors.pop_back();
  EXPECT_THAT(allocate(AllocationMethod::EqualWeight, in, {}).error().message, ::testing::HasSubstr("29 sectors for 30 tickers"));
  AllocationInput negative = small_input();
  negative.expected_returns.setConstant(-0.001);
  EXPECT_THAT(allocate(AllocationMethod::MaxSharpe, negative, unconstrained()).error().message,
              ::testing::HasSubstr("positive expected return"));
  EXPECT_FALSE(parse_allocation_method("kelly").has_value());
}

}  // namespace
}  // namespace kestrel::allocation
