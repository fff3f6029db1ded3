#include "ml_backends/xgboost_model.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <limits>
#include <thread>

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include "core/elapsed.hpp"
#include "core/progress.hpp"
#include "ml_backends/dmatrix_export.hpp"
#include "ml/model_files.hpp"
#include "ml/prediction_memo.hpp"

namespace kestrel::ml {
namespace {

core::Status check(int code, std::string_view what) {
  if (code != 0) return core::fail("xgboost: {}: {}", what, XGBGetLastError());
  return {};
}

// "[12]\ttrain-logloss:0.6912\tvalid-logloss:0.6930" -> the value after the i-th ':'.
double metric_value(const char* text, int index) {
  const char* p = text;
  for (int i = 0; i <= index && p != nullptr; ++i) {
    p = std::strchr(p, ':');
    if (p != nullptr) ++p;
  }
  return p == nullptr ? std::numeric_limits<double>::quiet_NaN() : std::strtod(p, nullptr);
}

int thread_count(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace

XGBoostModel::XGBoostModel(ModelConfig config) : config_(std::move(config)) {}

XGBoostModel::~XGBoostModel() { reset(nullptr); }

void XGBoostModel::reset(void* booster) {
  if (booster_ != nullptr) XGBoosterFree(static_cast<BoosterHandle>(booster_));
  booster_ = booster;
}

std::string XGBoostModel::fit_settings() const { return single_model_settings(config_); }

std::string XGBoostModel::fingerprint() const {
  if (booster_ == nullptr) return {};
  bst_ulong length = 0;
  const char* bytes = nullptr;
  if (XGBoosterSaveModelToBuffer(static_cast<BoosterHandle>(booster_), R"({"format": "ubj"})", &length, &bytes) != 0) {
    return {};  // not memoised: the predictions are still right
  }
  ContentDigest digest;
  digest.add(name());
  digest.add(config_to_json(config_).dump());
  digest.add(std::string_view(bytes, length));
  return digest.hex();
}

core::Result<FitReport> XGBoostModel::fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                               Rows validation_rows, const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  threads_ = thread_count(options.threads);
  if (train_rows.empty()) return core::fail("xgboost: no training samples");
  // Streamed into a quantile matrix: on us-daily's 1.6M training rows the dense rows (0.7 GB)
  // and XGBoost's CSR copy (1.3 GB) were both whole in memory before training began.
  auto dtrain = DMatrix::quantile_from_chunks(
      train_rows.size(),
      [&](std::size_t first, std::size_t count) { return current_rows(train, train_rows.subspan(first, count)); },
      threads_);
  if (!dtrain) return core::fail("xgboost: {}", dtrain.error().message);
  bst_ulong label_count = 0;
  const float* label_values = nullptr;
  if (auto s = check(XGDMatrixGetFloatInfo(dtrain->handle(), "label", &label_count, &label_values), "labels"); !s) {
    return std::unexpected(s.error());
  }
  const bool binary = is_binary(std::span(label_values, label_count));
  std::optional<DMatrix> dvalid;
  if (!validation_rows.empty()) {
    auto valid_batch = current_rows(validation, validation_rows);
    if (!valid_batch) return std::unexpected(valid_batch.error());
    auto d = DMatrix::from_batch(*valid_batch, threads_);
    if (!d) return std::unexpected(d.error());
    dvalid.emplace(std::move(*d));
  }

  DMatrixHandle cache[] = {dtrain->handle()};
  BoosterHandle booster = nullptr;
  if (auto s = check(XGBoosterCreate(cache, 1, &booster), "create booster"); !s) return std::unexpected(s.error());
  reset(booster);
  const std::vector<std::pair<std::string, std::string>> params{
      {"booster", "gbtree"},
      {"tree_method", "hist"},
      {"objective", binary ? "binary:logistic" : "reg:squarederror"},
      {"eval_metric", binary ? "logloss" : "rmse"},
      {"eta", fmt::format("{}", config_.xgb_eta)},
      {"max_depth", std::to_string(config_.xgb_max_depth)},
      {"subsample", fmt::format("{}", config_.xgb_subsample)},
      {"colsample_bytree", fmt::format("{}", config_.xgb_colsample)},
      {"min_child_weight", fmt::format("{}", config_.xgb_min_child_weight)},
      {"lambda", fmt::format("{}", config_.xgb_lambda)},
      {"seed", std::to_string(options.seed % 2147483647u)},
      {"nthread", std::to_string(threads_)},
      {"verbosity", "0"},
  };
  for (const auto& [key, value] : params) {
    if (auto s = check(XGBoosterSetParam(booster, key.c_str(), value.c_str()), key); !s) {
      return std::unexpected(s.error());
    }
  }

  FitReport report;
  report.samples_fitted = train_rows.size();
  core::ProgressBar bar("xgboost", static_cast<std::size_t>(config_.xgb_rounds), options.show_progress);
  std::vector<DMatrixHandle> eval_sets{dtrain->handle()};
  std::vector<const char*> eval_names{"train"};
  if (dvalid) {
    eval_sets.push_back(dvalid->handle());
    eval_names.push_back("valid");
  }
  double best = std::numeric_limits<double>::infinity();
  int best_round = 0;
  for (int round = 0; round < config_.xgb_rounds; ++round) {
    if (auto s = check(XGBoosterUpdateOneIter(booster, round, dtrain->handle()), "train"); !s) {
      return std::unexpected(s.error());
    }
    const char* text = nullptr;
    if (auto s = check(XGBoosterEvalOneIter(booster, round, eval_sets.data(), eval_names.data(),
                                            static_cast<bst_ulong>(eval_sets.size()), &text),
                       "evaluate");
        !s) {
      return std::unexpected(s.error());
    }
    report.train_loss.push_back(metric_value(text, 0));
    report.epochs_run = round + 1;
    bar.advance();
    if (!dvalid) continue;
    const double v = metric_value(text, 1);
    report.validation_loss.push_back(v);
    bar.set_status(fmt::format("train {:.4f} valid {:.4f}", report.train_loss.back(), v));
    if (v < best) {
      best = v;
      best_round = round;
    } else if (round - best_round >= config_.xgb_early_stopping) {
      break;
    }
  }
  bar.finish();
  if (dvalid && best_round + 1 < report.epochs_run) {
    BoosterHandle sliced = nullptr;
    if (auto s = check(XGBoosterSlice(booster, 0, best_round + 1, 1, &sliced), "keep the best rounds"); !s) {
      return std::unexpected(s.error());
    }
    reset(sliced);
  }
  report.best_epoch = dvalid ? best_round + 1 : report.epochs_run;
  report.best_validation_loss = dvalid ? best : 0;
  report.seconds = core::seconds_since(start);
  return report;
}

namespace {

// Predictions of `rows` in chunks; `type` 0: the score, 2: SHAP contributions (features + bias
// per row, as the result's shape says).
core::Result<std::vector<float>> booster_predict(void* booster, int threads, const SampleSet& samples, Rows rows,
                                                 int type) {
  std::vector<float> out;
  constexpr std::size_t kChunk = 65536;
  for (std::size_t first = 0; first < rows.size(); first += kChunk) {
    auto batch = current_rows(samples, rows.subspan(first, std::min(kChunk, rows.size() - first)));
    if (!batch) return std::unexpected(batch.error());
    auto d = DMatrix::from_batch(*batch, threads);
    if (!d) return std::unexpected(d.error());
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* result = nullptr;
    const std::string predict_config = fmt::format(
        R"({{"type": {}, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false}})", type);
    if (auto s = check(XGBoosterPredictFromDMatrix(static_cast<BoosterHandle>(booster), d->handle(),
                                                   predict_config.c_str(), &shape, &dims, &result),
                       type == 0 ? "predict" : "contributions");
        !s) {
      return std::unexpected(s.error());
    }
    const std::size_t per_row = dims >= 2 ? static_cast<std::size_t>(shape[dims - 1]) : 1;
    out.insert(out.end(), result, result + batch->size * per_row);
  }
  return out;
}

}  // namespace

core::Result<std::vector<float>> XGBoostModel::predict_rows(const SampleSet& samples, Rows rows) const {
  if (booster_ == nullptr) return core::fail("xgboost: predict before fit or load");
  return booster_predict(booster_, threads_, samples, rows, 0);
}

core::Result<std::vector<float>> XGBoostModel::contributions(const SampleSet& samples) const {
  if (booster_ == nullptr) return core::fail("xgboost: contributions before fit or load");
  auto n = sample_count(samples, uses_sequences());
  if (!n) return std::unexpected(n.error());
  return booster_predict(booster_, threads_, samples, all_rows(*n), 2);
}

core::Status XGBoostModel::save(const std::filesystem::path& dir) const {
  if (booster_ == nullptr) return core::fail("xgboost: save before fit");
  if (auto s = write_json(dir / "model.json", {{"name", name()}, {"config", config_to_json(config_)}, {"threads", threads_}}); !s) {
    return s;
  }
  return check(XGBoosterSaveModel(static_cast<BoosterHandle>(booster_), (dir / "model.ubj").c_str()), "save model");
}

core::Status XGBoostModel::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, name());
  if (!json) return std::unexpected(json.error());
  if (auto config = config_from_json((*json)["config"]); config) {
    config_ = std::move(*config);
  } else {
    return std::unexpected(config.error());
  }
  threads_ = json->value("threads", 0);
  BoosterHandle booster = nullptr;
  if (auto s = check(XGBoosterCreate(nullptr, 0, &booster), "create booster"); !s) return s;
  reset(booster);
  if (auto s = check(XGBoosterLoadModel(booster, (dir / "model.ubj").c_str()), (dir / "model.ubj").string()); !s) {
    return s;
  }
  return check(XGBoosterSetParam(booster, "nthread", std::to_string(thread_count(threads_)).c_str()), "nthread");
}

}  // namespace kestrel::ml
