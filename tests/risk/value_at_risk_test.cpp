#include "risk/value_at_risk.hpp"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysis/covariance.hpp"

namespace kestrel::risk {
namespace {

// Inputs and expected values written by tests/risk/make_var_reference.py with numpy, scipy
// and scikit-learn.
struct Reference {
  Eigen::MatrixXd returns;
  Eigen::VectorXd weights;
  nlohmann::json json;
};

const Reference& reference() {
  static const Reference ref = [] {
    std::ifstream in(KESTREL_SOURCE_DIR "/tests/risk/fixtures/var_reference.json");
    Reference r;
    r.json = nlohmann::json::parse(in);
    const auto& rows = r.json["returns"];
    r.returns.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows[0].size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (std::size_t j = 0; j < rows[i].size(); ++j) {
        r.returns(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j].get<double>();
      }
    }
    const auto& w = r.json["weights"];
    r.weights.resize(static_cast<Eigen::Index>(w.size()));
    for (std::size_t j = 0; j < w.size(); ++j) r.weights(static_cast<Eigen::Index>(j)) = w[j].get<double>();
    return r;
  }();
  return ref;
}

TEST(ValueAtRisk, EveryMethodMatchesReference) {
  const Reference& ref = reference();
  auto table = portfolio_risk_table(ref.returns, ref.weights, {.draws = 400'000, .seed = 1});
  ASSERT_TRUE(table.has_value()) << table.error().message;
  ASSERT_EQ(table->size(), ref.json["expected"].size());
  for (std::size_t i = 0; i < table->size(); ++i) {
    const auto& e = ref.json["expected"][i];
    const RiskEstimate& got = (*table)[i];
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(to_string(got.method), e["method"].get<std::string>());
    EXPECT_EQ(got.horizon_days, e["horizon"].get<int>());
    EXPECT_DOUBLE_EQ(got.confidence, e["confidence"].get<double>());
    // Closed forms to rounding; Monte Carlo within its sampling error (~1%).
    const double tolerance = got.method == VarMethod::MonteCarlo ? 0.015 : 1e-9;
    EXPECT_NEAR(got.var, e["var"].get<double>(), tolerance * std::abs(e["var"].get<double>()));
    EXPECT_NEAR(got.cvar, e["cvar"].get<double>(), tolerance * std::abs(e["cvar"].get<double>()));
    EXPECT_GE(got.cvar, got.var);
  }
}

TEST(ValueAtRisk, NormalClosedForm) {
  // Returns alternating +-1%: mean 0, stdev ~1% (ddof=1).
  std::vector<double> r;
  for (int i = 0; i < 1000; ++i) r.push_back(i % 2 == 0 ? 0.01 : -0.01);
  auto v = normal_var(r, 0.95, 1);
  ASSERT_TRUE(v.has_value());
  const double sigma = 0.01 * std::sqrt(1000.0 / 999.0);
  EXPECT_NEAR(v->var, 1.6448536269514729 * sigma, 1e-12);
  EXPECT_NEAR(v->cvar, 2.0627128075074253 * sigma, 1e-12);
  auto ten = normal_var(r, 0.95, 10);
  EXPECT_NEAR(ten->var, v->var * std::sqrt(10.0), 1e-12);
}

TEST(ValueAtRisk, RejectsBadInput) {
  std::vector<double> few(10, 0.01);
  EXPECT_FALSE(historical_var(few, 0.95, 1).has_value());
  std::vector<double> r(100, 0.01);
  EXPECT_FALSE(historical_var(r, 1.2, 1).has_value());
  r[3] = std::nan("");
  EXPECT_FALSE(normal_var(r, 0.95, 1).has_value());
}

TEST(Covariance, LedoitWolfMatchesScikitLearn) {
  const Reference& ref = reference();
  auto lw = analysis::ledoit_wolf_covariance(ref.returns);
  ASSERT_TRUE(lw.has_value());
  EXPECT_NEAR(lw->shrinkage, ref.json["ledoit_wolf"]["shrinkage"].get<double>(), 1e-12);
  const auto& expected = ref.json["ledoit_wolf"]["covariance"];
  for (Eigen::Index i = 0; i < lw->covariance.rows(); ++i) {
    for (Eigen::Index j = 0; j < lw->covariance.cols(); ++j) {
      EXPECT_NEAR(lw->covariance(i, j), expected[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)].get<double>(), 1e-15);
    }
  }
}

}  // namespace
}  // namespace kestrel::risk
