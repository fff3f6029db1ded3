#include "ml/ensembles.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <Eigen/Dense>

#include "core/elapsed.hpp"
#include "core/memory_release.hpp"
#include "ml/fitted_model_cache.hpp"
#include "ml/model_factory.hpp"
#include "ml/model_files.hpp"
#include "ml/prediction_memo.hpp"

namespace kestrel::ml {
namespace {

// The members, all reading `config`; with `trained_length`, member i trains for the epochs
// (boosting rounds) at which that fitted member's validation loss was best.
core::Result<std::vector<std::shared_ptr<SampleModel>>> make_members(
    const ModelConfig& config, std::string_view ensemble, const std::vector<FitReport>* trained_length = nullptr) {
  if (config.members.empty()) return core::fail("{}: no members", ensemble);
  std::vector<std::shared_ptr<SampleModel>> members;
  for (std::size_t i = 0; i < config.members.size(); ++i) {
    const std::string& name = config.members[i];
    if (name == "ensemble_average" || name == "stacking") {
      return core::fail("{}: member '{}' is an ensemble; ensembles cannot be nested", ensemble, name);
    }
    ModelConfig member_config = config;
    if (trained_length != nullptr && (*trained_length)[i].best_epoch > 0) {
      member_config.epochs = (*trained_length)[i].best_epoch;  // the networks read epochs,
      member_config.xgb_rounds = (*trained_length)[i].best_epoch;  // XGBoost its rounds
    }
    auto model = make_model(name, member_config);
    if (!model) return core::fail("{}: {}", ensemble, model.error().message);
    auto* sample_model = dynamic_cast<SampleModel*>(model->get());
    if (sample_model == nullptr) return core::fail("{}: member '{}' cannot train on row subsets", ensemble, name);
    model->release();
    members.emplace_back(std::shared_ptr<SampleModel>(sample_model));
  }
  return members;
}

bool any_sequences(const ModelConfig& config) {
  return std::any_of(config.members.begin(), config.members.end(),
                     [](const std::string& n) { return n == "lstm" || n == "transformer"; });
}

FitOptions member_options(const FitOptions& options, std::size_t index, const std::string& name,
                          std::string_view stage) {
  FitOptions o = options;
  if (!options.checkpoint_dir.empty()) {
    o.checkpoint_dir = options.checkpoint_dir / fmt::format("{}{}_{}", stage, index, name);
  }
  return o;
}

std::filesystem::path member_dir(const std::filesystem::path& dir, std::size_t index, const std::string& name) {
  return dir / fmt::format("member{}_{}", index, name);
}

std::size_t date_of(const SampleSet& set, std::size_t row) {
  return set.sequence != nullptr ? set.sequence->samples()[row].t : set.tabular->samples()[row].t;
}

core::Status save_members(const std::vector<std::shared_ptr<SampleModel>>& members, const ModelConfig& config,
                          const std::filesystem::path& dir) {
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (auto s = members[i]->save(member_dir(dir, i, config.members[i])); !s) return s;
  }
  return {};
}

core::Status load_members(std::vector<std::shared_ptr<SampleModel>>& members, const ModelConfig& config,
                          const std::filesystem::path& dir, std::string_view ensemble) {
  auto made = make_members(config, ensemble);
  if (!made) return std::unexpected(made.error());
  members = std::move(*made);
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (auto s = members[i]->load(member_dir(dir, i, config.members[i])); !s) return s;
  }
  return {};
}

// Member i's score as a meta-learner input: its logit for probabilities.
double meta_input(float score, bool binary) {
  if (!binary) return score;
  const double p = std::clamp(static_cast<double>(score), 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

// Fits every member on the rows, or takes the run's earlier fit of it (FitOptions::fitted_models);
// appends the names of the members taken so to `reused`.
core::Status fit_members(std::vector<std::shared_ptr<SampleModel>>& members, const ModelConfig& config,
                         const SampleSet& train, Rows train_rows, const SampleSet& validation, Rows validation_rows,
                         const FitOptions& options, std::string_view stage, std::string_view ensemble,
                         std::vector<std::string>* reused, std::vector<FitReport>* reports = nullptr) {
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto fitted = fit_or_reuse(members[i], train, train_rows, validation, validation_rows,
                               member_options(options, i, config.members[i], stage));
    if (!fitted) return core::fail("{}: {}member {}: {}", ensemble, stage == "member" ? "" : "out-of-fold ",
                                   config.members[i], fitted.error().message);
    members[i] = fitted->model;
    if (fitted->reused && reused != nullptr) reused->push_back(config.members[i]);
    if (reports != nullptr) reports->push_back(fitted->report);
    // One member's working memory (an XGBoost DMatrix, a network's buffers) back to the
    // system before the next member's (core/memory_release.hpp).
    if (!fitted->reused) core::release_free_memory();
  }
  return {};
}

std::string reuse_note(const std::vector<std::string>& reused) {
  if (reused.empty()) return {};
  std::string names;
  for (const auto& n : reused) names += (names.empty() ? "" : ", ") + n;
  return fmt::format("; the run's earlier fits of {} reused", names);
}

}  // namespace

// ---- ensemble_average --------------------------------------------------------------------

bool EnsembleAverage::uses_sequences() const { return any_sequences(config_); }

std::string EnsembleAverage::fit_settings() const { return config_to_json(config_).dump(); }

core::Result<FitReport> EnsembleAverage::fit_rows(const SampleSet& train, Rows train_rows,
                                                  const SampleSet& validation, Rows validation_rows,
                                                  const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto members = make_members(config_, name());
  if (!members) return std::unexpected(members.error());
  members_ = std::move(*members);
  std::vector<double> losses;
  std::vector<float> valid_labels;
  if (!validation_rows.empty()) {
    auto y = labels_of(validation, validation_rows);
    if (!y) return std::unexpected(y.error());
    valid_labels = std::move(*y);
  }
  std::vector<std::string> reused;
  if (auto s = fit_members(members_, config_, train, train_rows, validation, validation_rows, options, "member", name(),
                           &reused);
      !s) {
    return std::unexpected(s.error());
  }
  std::vector<std::vector<float>> valid_scores;  // per member, kept for the ensemble's own loss
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!validation_rows.empty()) {
      auto p = predict_memoised(*members_[i], validation, validation_rows);
      if (!p) return std::unexpected(p.error());
      losses.push_back(prediction_loss(*p, valid_labels));
      valid_scores.push_back(std::move(*p));
    }
  }
  weights_.assign(members_.size(), 1.0 / static_cast<double>(members_.size()));
  std::string basis = "equal: no validation set";
  if (!validation_rows.empty()) {
    basis = "equal: no member's validation log loss beat the base rate";
    auto y = labels_of(train, train_rows);
    if (!y) return std::unexpected(y.error());
    double mean = 0;
    for (float v : *y) mean += v;
    mean /= static_cast<double>(std::max<std::size_t>(1, y->size()));
    const double base = prediction_loss(std::vector<float>(valid_labels.size(), static_cast<float>(mean)), valid_labels);
    std::vector<double> skill(members_.size());
    double total = 0;
    for (std::size_t i = 0; i < members_.size(); ++i) total += skill[i] = std::max(0.0, base - losses[i]);
    if (total > 0) {
      for (std::size_t i = 0; i < members_.size(); ++i) weights_[i] = skill[i] / total;
      basis = "validation log-loss gain over the base rate";
    }
  }
  // The validation loss from the members' scores above, as predict_rows would combine them,
  // rather than scoring every member on the validation set a second time.
  auto report = one_shot_report(*this, train, train_rows, validation, {}, start);
  if (!report) return report;
  if (!validation_rows.empty()) {
    std::vector<double> sum(validation_rows.size(), 0.0);
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (weights_[i] == 0) continue;
      for (std::size_t r = 0; r < sum.size(); ++r) sum[r] += weights_[i] * valid_scores[i][r];
    }
    report->validation_loss = {prediction_loss(std::vector<float>(sum.begin(), sum.end()), valid_labels)};
    report->best_validation_loss = report->validation_loss.back();
  }
  std::string weights;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    weights += fmt::format("{}{} {:.3f}", i == 0 ? "" : ", ", config_.members[i], weights_[i]);
  }
  report->summary = fmt::format("weights {} ({}){}", weights, basis, reuse_note(reused));
  return report;
}

core::Result<std::vector<float>> EnsembleAverage::predict_rows(const SampleSet& samples, Rows rows) const {
  if (members_.empty()) return core::fail("{}: predict before fit or load", name());
  std::vector<double> sum(rows.size(), 0.0);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (weights_[i] == 0) continue;
    auto p = predict_memoised(*members_[i], samples, rows);
    if (!p) return std::unexpected(p.error());
    for (std::size_t r = 0; r < rows.size(); ++r) sum[r] += weights_[i] * (*p)[r];
  }
  return std::vector<float>(sum.begin(), sum.end());
}

core::Status EnsembleAverage::save(const std::filesystem::path& dir) const {
  if (auto s = save_members(members_, config_, dir); !s) return s;
  return write_json(dir / "model.json", {{"name", name()}, {"config", config_to_json(config_)}, {"weights", weights_}});
}

core::Status EnsembleAverage::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, name());
  if (!json) return std::unexpected(json.error());
  auto config = config_from_json((*json)["config"]);
  if (!config) return std::unexpected(config.error());
  config_ = std::move(*config);
  weights_ = json->value("weights", std::vector<double>{});
  if (weights_.size() != config_.members.size()) return core::fail("{}: weights do not match members", dir.string());
  return load_members(members_, config_, dir, name());
}

// ---- stacking ----------------------------------------------------------------------------

bool Stacking::uses_sequences() const { return any_sequences(config_); }

std::string Stacking::fit_settings() const { return config_to_json(config_).dump(); }

core::Result<FitReport> Stacking::fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                           Rows validation_rows, const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  // Blocks of training dates (contiguous, by distinct date).
  std::vector<std::size_t> dates;
  dates.reserve(train_rows.size());
  for (std::size_t r : train_rows) dates.push_back(date_of(train, r));
  std::vector<std::size_t> distinct = dates;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const auto blocks = static_cast<std::size_t>(config_.stacking_folds);
  if (distinct.size() < blocks * 2) {
    return core::fail("{}: {} training dates are too few for {} out-of-fold blocks", name(), distinct.size(), blocks);
  }
  std::vector<std::vector<double>> meta_x;  // per OOF sample: member inputs
  std::vector<float> meta_y;
  folds_.clear();
  auto all_labels = labels_of(train, train_rows);
  if (!all_labels) return std::unexpected(all_labels.error());
  binary_ = is_binary(*all_labels);
  // The members on the whole window first (with validation for early stopping; the run's
  // earlier fits when it has them): their best epoch / round counts size the out-of-fold fits.
  {
    auto members = make_members(config_, name());
    if (!members) return std::unexpected(members.error());
    members_ = std::move(*members);
  }
  std::vector<std::string> reused;
  std::vector<FitReport> member_fits;
  if (auto s = fit_members(members_, config_, train, train_rows, validation, validation_rows, options, "member", name(),
                           &reused, &member_fits);
      !s) {
    return std::unexpected(s.error());
  }
  const double members_seconds = core::seconds_since(start);
  double oof_fit_seconds = 0, oof_predict_seconds = 0;
  std::vector<double> oof_member_seconds(config_.members.size(), 0.0);
  // The blocks' rows first: the meta-learner's samples are shared out by block size.
  struct Block {
    std::size_t first = 0, last = 0;
    std::vector<std::size_t> fit_rows, predict_rows;
  };
  std::vector<Block> plan;
  std::size_t predictable = 0;
  for (std::size_t b = 1; b < blocks; ++b) {
    Block block{.first = distinct[b * distinct.size() / blocks],
                .last = distinct[(b + 1) * distinct.size() / blocks - 1], .fit_rows = {}, .predict_rows = {}};
    for (std::size_t i = 0; i < train_rows.size(); ++i) {
      if (dates[i] + config_.stacking_purge_dates < block.first) block.fit_rows.push_back(train_rows[i]);
      if (dates[i] >= block.first && dates[i] <= block.last) block.predict_rows.push_back(train_rows[i]);
    }
    if (block.fit_rows.empty() || block.predict_rows.empty()) continue;
    predictable += block.predict_rows.size();
    plan.push_back(std::move(block));
  }
  // A meta-learner of a few coefficients needs far fewer samples than the blocks hold: like
  // the networks, it trains on at most max_train_samples of them (0: all), evenly spaced,
  // and only those are scored (on us-daily, scoring all 1.1M took the members 141 s).
  for (auto& block : plan) {
    if (config_.max_train_samples == 0 || predictable <= config_.max_train_samples) break;
    block.predict_rows = evenly_spaced(block.predict_rows, std::max<std::size_t>(
        1, config_.max_train_samples * block.predict_rows.size() / predictable));
  }
  for (std::size_t b = 0; b < plan.size(); ++b) {
    const std::size_t first = plan[b].first, last = plan[b].last;
    const auto& fit_rows_b = plan[b].fit_rows;
    const auto& predict_rows_b = plan[b].predict_rows;
    auto predict_labels = labels_of(train, predict_rows_b);
    if (!predict_labels) return std::unexpected(predict_labels.error());
    StackingFold fold{.predict_first_date = first, .predict_last_date = last, .train_samples = fit_rows_b.size(),
                      .predict_samples = predict_rows_b.size()};
    for (std::size_t r : fit_rows_b) fold.train_last_date = std::max(fold.train_last_date, date_of(train, r));
    auto members = make_members(config_, name(), &member_fits);
    if (!members) return std::unexpected(members.error());
    const auto fit_started = std::chrono::steady_clock::now();
    std::vector<FitReport> oof_fits;
    if (auto s = fit_members(*members, config_, train, fit_rows_b, validation, {}, options, fmt::format("oof{}_", b + 1),
                             name(), nullptr, &oof_fits);
        !s) {
      return std::unexpected(s.error());
    }
    oof_fit_seconds += core::seconds_since(fit_started);
    for (std::size_t m = 0; m < oof_fits.size(); ++m) oof_member_seconds[m] += oof_fits[m].seconds;
    const auto predict_started = std::chrono::steady_clock::now();
    std::vector<std::vector<float>> scores;
    for (std::size_t m = 0; m < members->size(); ++m) {
      auto p = (*members)[m]->predict_rows(train, predict_rows_b);
      if (!p) return std::unexpected(p.error());
      scores.push_back(std::move(*p));
    }
    oof_predict_seconds += core::seconds_since(predict_started);
    for (std::size_t r = 0; r < predict_rows_b.size(); ++r) {
      std::vector<double> x;
      for (const auto& s : scores) x.push_back(meta_input(s[r], binary_));
      meta_x.push_back(std::move(x));
      meta_y.push_back((*predict_labels)[r]);
    }
    folds_.push_back(fold);
  }
  if (meta_x.empty()) return core::fail("{}: no out-of-fold predictions (training window too short)", name());
  meta_samples_ = meta_x.size();

  // Meta-learner: Newton steps on the penalised log loss (or ridge for returns).
  const auto n = static_cast<Eigen::Index>(meta_x.size());
  const auto p = static_cast<Eigen::Index>(config_.members.size() + 1);
  Eigen::MatrixXd x(n, p);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x(i, 0) = 1;
    for (Eigen::Index j = 1; j < p; ++j) x(i, j) = meta_x[static_cast<std::size_t>(i)][static_cast<std::size_t>(j - 1)];
    y(i) = meta_y[static_cast<std::size_t>(i)];
  }
  Eigen::MatrixXd penalty = Eigen::MatrixXd::Identity(p, p) * 1e-3;
  penalty(0, 0) = 0;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(p);
  if (!binary_) {
    w = (x.transpose() * x + penalty).ldlt().solve(x.transpose() * y);
  } else {
    for (int it = 0; it < 50; ++it) {
      const Eigen::VectorXd mu = (1.0 + (-(x * w).array()).exp()).inverse().matrix();
      const Eigen::VectorXd weight = (mu.array() * (1 - mu.array())).max(1e-10).matrix();
      const Eigen::MatrixXd hessian = x.transpose() * weight.asDiagonal() * x + penalty;
      const Eigen::VectorXd step = hessian.ldlt().solve(x.transpose() * (mu - y) + penalty * w);
      w -= step;
      if (step.norm() < 1e-10) break;
    }
  }
  meta_.assign(w.data(), w.data() + w.size());

  auto report = one_shot_report(*this, train, train_rows, validation, validation_rows, start);
  if (!report) return report;
  std::string coefficients = fmt::format("intercept {:.3f}", meta_[0]);
  std::string oof_split;
  for (std::size_t m = 0; m < members_.size(); ++m) {
    oof_split += fmt::format("{}{} {:.0f}", m == 0 ? "" : ", ", config_.members[m], oof_member_seconds[m]);
  }
  for (std::size_t m = 0; m < members_.size(); ++m) {
    coefficients += fmt::format(", {} {:.3f}", config_.members[m], meta_[m + 1]);
  }
  report->summary = fmt::format("meta-learner on {} out-of-fold samples from {} blocks: {}{}; {:.0f} s in all: members "
                                "{:.0f}, out-of-fold fits {:.0f} ({}), their predictions {:.0f}",
                                meta_samples_, folds_.size(), coefficients, reuse_note(reused), report->seconds,
                                members_seconds, oof_fit_seconds, oof_split, oof_predict_seconds);
  return report;
}

core::Result<std::vector<float>> Stacking::predict_rows(const SampleSet& samples, Rows rows) const {
  if (members_.empty() || meta_.size() != members_.size() + 1) return core::fail("{}: predict before fit or load", name());
  std::vector<double> eta(rows.size(), meta_[0]);
  for (std::size_t m = 0; m < members_.size(); ++m) {
    auto p = predict_memoised(*members_[m], samples, rows);
    if (!p) return std::unexpected(p.error());
    for (std::size_t r = 0; r < rows.size(); ++r) eta[r] += meta_[m + 1] * meta_input((*p)[r], binary_);
  }
  std::vector<float> out(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out[r] = static_cast<float>(binary_ ? 1.0 / (1.0 + std::exp(-eta[r])) : eta[r]);
  }
  return out;
}

core::Status Stacking::save(const std::filesystem::path& dir) const {
  if (auto s = save_members(members_, config_, dir); !s) return s;
  nlohmann::json folds = nlohmann::json::array();
  for (const auto& f : folds_) {
    folds.push_back({{"train_last_date", f.train_last_date}, {"predict_first_date", f.predict_first_date},
                     {"predict_last_date", f.predict_last_date}, {"train_samples", f.train_samples},
                     {"predict_samples", f.predict_samples}});
  }
  return write_json(dir / "model.json", {{"name", name()}, {"config", config_to_json(config_)}, {"binary", binary_},
                                         {"meta", meta_}, {"meta_samples", meta_samples_}, {"folds", folds}});
}

core::Status Stacking::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, name());
  if (!json) return std::unexpected(json.error());
  auto config = config_from_json((*json)["config"]);
  if (!config) return std::unexpected(config.error());
  config_ = std::move(*config);
  binary_ = json->value("binary", true);
  meta_ = json->value("meta", std::vector<double>{});
  meta_samples_ = json->value("meta_samples", std::size_t{0});
  folds_.clear();
  for (const auto& f : json->value("folds", nlohmann::json::array())) {
    folds_.push_back({f.value("train_last_date", std::size_t{0}), f.value("predict_first_date", std::size_t{0}),
                      f.value("predict_last_date", std::size_t{0}), f.value("train_samples", std::size_t{0}),
                      f.value("predict_samples", std::size_t{0})});
  }
  return load_members(members_, config_, dir, name());
}

}  // namespace kestrel::ml
