#include "ml/logistic_regression.hpp"

#include <chrono>
#include <cmath>

#include <Eigen/Dense>

#include "ml/model_files.hpp"
#include "ml/prediction_memo.hpp"

namespace kestrel::ml {
namespace {

constexpr std::size_t kChunk = 8192;

Eigen::MatrixXd design(const dataset::Batch& batch) {
  Eigen::MatrixXd x(static_cast<Eigen::Index>(batch.size), static_cast<Eigen::Index>(batch.num_features + 1));
  for (std::size_t i = 0; i < batch.size; ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    x(r, 0) = 1.0;
    for (std::size_t j = 0; j < batch.num_features; ++j) {
      x(r, static_cast<Eigen::Index>(j + 1)) = batch.x[i * batch.num_features + j];
    }
  }
  return x;
}

}  // namespace

std::string LogisticRegression::fit_settings() const { return single_model_settings(config_); }

std::string LogisticRegression::fingerprint() const {
  if (coefficients_.empty()) return {};
  ContentDigest digest;
  digest.add(name());
  digest.add(config_to_json(config_).dump());
  digest.add(scaler_.to_json());
  digest.add(binary_ ? "binary" : "regression");
  digest.add_values(std::span<const double>(coefficients_));
  return digest.hex();
}

core::Result<FitReport> LogisticRegression::fit_rows(const SampleSet& train, Rows train_rows,
                                                     const SampleSet& validation, Rows validation_rows,
                                                     const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (options.threads > 0) Eigen::setNbThreads(options.threads);
  auto scaler = fit_scaler(config_, train, train_rows);
  if (!scaler) return std::unexpected(scaler.error());
  scaler_ = std::move(*scaler);
  const auto rows = evenly_spaced(train_rows, config_.max_train_samples);
  auto batch = current_rows(train, rows);
  if (!batch) return std::unexpected(batch.error());
  if (auto s = scaler_.apply(*batch); !s) return std::unexpected(s.error());
  binary_ = is_binary(batch->y);
  const Eigen::MatrixXd x = design(*batch);
  const Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXf>(batch->y.data(), static_cast<Eigen::Index>(batch->size)).cast<double>();
  const Eigen::Index p = x.cols();
  // Ridge on the weights only: the intercept is not shrunk.
  Eigen::MatrixXd penalty = Eigen::MatrixXd::Identity(p, p) * config_.logistic_l2;
  penalty(0, 0) = 0;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(p);
  if (!binary_) {
    w = (x.transpose() * x + penalty).ldlt().solve(x.transpose() * y);
  } else {
    double previous = std::numeric_limits<double>::infinity();
    for (int it = 0; it < config_.logistic_max_iterations; ++it) {
      const Eigen::VectorXd eta = x * w;
      const Eigen::VectorXd mu = (1.0 + (-eta.array()).exp()).inverse().matrix();
      const Eigen::VectorXd weight = (mu.array() * (1 - mu.array())).max(1e-10).matrix();
      const Eigen::VectorXd gradient = x.transpose() * (mu - y) + penalty * w;
      Eigen::MatrixXd hessian = penalty;
      hessian.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose() * weight.cwiseSqrt().asDiagonal());
      hessian = hessian.selfadjointView<Eigen::Lower>();
      w -= hessian.ldlt().solve(gradient);
      const Eigen::VectorXd mu_new = (1.0 + (-(x * w).array()).exp()).inverse().matrix();
      double loss = 0.5 * w.dot(penalty * w);
      for (Eigen::Index i = 0; i < y.size(); ++i) {
        const double q = std::clamp(mu_new(i), 1e-12, 1 - 1e-12);
        loss -= y(i) > 0.5 ? std::log(q) : std::log(1 - q);
      }
      if (std::abs(previous - loss) <= 1e-9 * std::max(1.0, std::abs(loss))) break;
      previous = loss;
    }
  }
  coefficients_.assign(w.data(), w.data() + w.size());
  auto report = one_shot_report(*this, train, train_rows, validation, validation_rows, start);
  if (report) report->samples_fitted = rows.size();
  return report;
}

core::Result<std::vector<float>> LogisticRegression::predict_rows(const SampleSet& samples, Rows rows) const {
  if (coefficients_.empty()) return core::fail("logistic_regression: predict before fit or load");
  std::vector<float> out;
  out.reserve(rows.size());
  for (std::size_t first = 0; first < rows.size(); first += kChunk) {
    auto batch = current_rows(samples, rows.subspan(first, std::min(kChunk, rows.size() - first)));
    if (!batch) return std::unexpected(batch.error());
    if (auto s = scaler_.apply(*batch); !s) return std::unexpected(s.error());
    for (std::size_t i = 0; i < batch->size; ++i) {
      double eta = coefficients_[0];
      for (std::size_t j = 0; j < batch->num_features; ++j) eta += coefficients_[j + 1] * batch->x[i * batch->num_features + j];
      out.push_back(static_cast<float>(binary_ ? 1.0 / (1.0 + std::exp(-eta)) : eta));
    }
  }
  return out;
}

core::Status LogisticRegression::save(const std::filesystem::path& dir) const {
  return write_json(dir / "model.json", {{"name", name()},
                                         {"config", config_to_json(config_)},
                                         {"normaliser", nlohmann::json::parse(scaler_.to_json())},
                                         {"binary", binary_},
                                         {"coefficients", coefficients_}});
}

core::Status LogisticRegression::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, name());
  if (!json) return std::unexpected(json.error());
  auto state = normalised_model_from_json(*json, dir / "model.json");
  if (!state) return std::unexpected(state.error());
  const auto coefficients = json->find("coefficients");
  if (coefficients == json->end() || !coefficients->is_array()) {
    return core::fail("{}: coefficients: missing or not an array", (dir / "model.json").string());
  }
  std::vector<double> values;
  for (const auto& c : *coefficients) {
    if (!c.is_number()) return core::fail("{}: coefficients: expected numbers", (dir / "model.json").string());
    values.push_back(c.get<double>());
  }
  config_ = std::move(state->config);
  scaler_ = std::move(state->scaler);
  binary_ = state->binary;
  coefficients_ = std::move(values);
  return {};
}

}  // namespace kestrel::ml
