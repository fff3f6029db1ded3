#include "ml_backends/neural_model.hpp"

#include <numeric>

#include "ml/model_files.hpp"
#include "ml/prediction_memo.hpp"
#include "ml_backends/neural_networks.hpp"
#include "ml_backends/trainer.hpp"

namespace kestrel::ml {
namespace {

torch::Device pick_device(const std::string& device) {
  if (device == "cuda" || (device == "auto" && torch::cuda::is_available())) return torch::kCUDA;
  return torch::kCPU;
}

// Normalised tensors for the given samples: windows for sequence models, rows at t otherwise.
core::Result<TensorBatch> fetch(const SampleSet& set, std::span<const std::size_t> rows, bool sequences,
                                const FeatureScaler& scaler) {
  core::Result<dataset::Batch> batch = sequences ? core::Result<dataset::Batch>(set.sequence->materialise(rows))
                                                 : current_rows(set, rows);
  if (!batch) return std::unexpected(batch.error());
  if (auto s = scaler.apply(*batch); !s) return std::unexpected(s.error());
  return to_tensors(std::move(*batch));
}

}  // namespace

NeuralModel::NeuralModel(std::string kind, ModelConfig config) : kind_(std::move(kind)), config_(std::move(config)) {}

NeuralModel::~NeuralModel() = default;

std::string NeuralModel::fit_settings() const { return kind_ + single_model_settings(config_); }

std::string NeuralModel::fingerprint() const {
  if (network_ == nullptr) return {};
  ContentDigest digest;
  digest.add(kind_);
  digest.add(config_to_json(config_).dump());
  digest.add(scaler_.to_json());
  digest.add(binary_ ? "binary" : "regression");
  const auto add_tensors = [&](const auto& named) {
    for (const auto& item : named) {
      digest.add(item.key());
      const torch::Tensor values = item.value().detach().to(torch::kCPU).contiguous();
      digest.add(std::span(static_cast<const std::byte*>(values.data_ptr()), values.nbytes()));
    }
  };
  add_tensors(network_->named_parameters(true));
  add_tensors(network_->named_buffers(true));
  return digest.hex();
}

core::Result<FitReport> NeuralModel::fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                              Rows validation_rows, const FitOptions& options) {
  const bool sequences = uses_sequences();
  if (sequences && (train.sequence == nullptr || (!validation_rows.empty() && validation.sequence == nullptr))) {
    return core::fail("{}: needs sequence views", kind_);
  }
  auto scaler = fit_scaler(config_, train, train_rows);
  if (!scaler) return std::unexpected(scaler.error());
  scaler_ = std::move(*scaler);
  threads_ = options.threads;

  const std::size_t max = config_.max_train_samples;
  const auto train_ids = evenly_spaced(train_rows, max);
  const auto valid_ids = evenly_spaced(validation_rows, max == 0 ? 0 : std::max<std::size_t>(1, max / 2));
  auto labels = labels_of(train, train_ids);
  if (!labels) return std::unexpected(labels.error());
  binary_ = is_binary(*labels);

  torch::manual_seed(options.seed);  // the initial weights
  auto network = make_network(kind_, config_, static_cast<std::int64_t>(scaler_.num_features()));
  if (!network) return std::unexpected(network.error());
  network_ = std::move(*network);

  const auto make_data = [&](const SampleSet& set, const std::vector<std::size_t>& ids) {
    return TrainingData{ids.size(), [&set, &ids, sequences, this](std::span<const std::size_t> positions) {
                          std::vector<std::size_t> rows(positions.size());
                          for (std::size_t i = 0; i < positions.size(); ++i) rows[i] = ids[positions[i]];
                          return fetch(set, rows, sequences, scaler_);
                        }};
  };
  const TrainingData train_data = make_data(train, train_ids);
  const TrainingData valid_data = make_data(validation, valid_ids);
  return train_network(*network_, train_data, valid_data, config_, options,
                       {.label = kind_, .binary = binary_, .device = pick_device(config_.device)});
}

core::Result<std::vector<float>> NeuralModel::predict_rows(const SampleSet& samples, Rows rows) const {
  if (network_ == nullptr) return core::fail("{}: predict before fit or load", kind_);
  const bool sequences = uses_sequences();
  if (sequences && samples.sequence == nullptr) return core::fail("{}: needs a sequence view", kind_);
  torch::set_num_threads(torch_threads(threads_));
  torch::InferenceMode inference;
  network_->eval();
  const torch::Device device = pick_device(config_.device);
  std::vector<float> out;
  out.reserve(rows.size());
  constexpr std::size_t kChunk = 4096;
  for (std::size_t first = 0; first < rows.size(); first += kChunk) {
    auto batch = fetch(samples, rows.subspan(first, std::min(kChunk, rows.size() - first)), sequences, scaler_);
    if (!batch) return std::unexpected(batch.error());
    auto scores = network_->forward(batch->x.to(device));
    if (binary_) scores = torch::sigmoid(scores);
    scores = scores.to(torch::kCPU).contiguous();
    const float* p = scores.data_ptr<float>();
    out.insert(out.end(), p, p + scores.numel());
  }
  return out;
}

core::Result<AttentionMaps> NeuralModel::attention(const SampleSet& samples, std::size_t max_samples) const {
  auto* transformer = dynamic_cast<TransformerNetwork*>(network_.get());
  if (transformer == nullptr) return core::fail("{}: has no attention", kind_);
  if (samples.sequence == nullptr) return core::fail("{}: needs a sequence view", kind_);
  const auto count = sample_count(samples, true);
  if (!count) return std::unexpected(count.error());
  if (*count == 0) return core::fail("{}: no samples to average the attention over", kind_);
  const auto rows = evenly_spaced(all_rows(*count), max_samples);
  torch::set_num_threads(torch_threads(threads_));
  torch::InferenceMode inference;
  network_->eval();
  const torch::Device device = pick_device(config_.device);
  torch::Tensor sum;  // [layers, heads, L]
  constexpr std::size_t kChunk = 1024;
  for (std::size_t first = 0; first < rows.size(); first += kChunk) {
    auto batch = fetch(samples, std::span(rows).subspan(first, std::min(kChunk, rows.size() - first)), true, scaler_);
    if (!batch) return std::unexpected(batch.error());
    const auto part = transformer->last_query_attention(batch->x.to(device)).to(torch::kCPU, torch::kDouble).sum(1);
    sum = sum.defined() ? sum + part : part;
  }
  const auto mean = (sum / static_cast<double>(rows.size())).contiguous();
  AttentionMaps maps{.layers = static_cast<std::size_t>(mean.size(0)),
                     .heads = static_cast<std::size_t>(mean.size(1)),
                     .window = static_cast<std::size_t>(mean.size(2)),
                     .samples = rows.size(),
                     .weights = {}};
  maps.weights.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
  return maps;
}

core::Status NeuralModel::save(const std::filesystem::path& dir) const {
  if (network_ == nullptr) return core::fail("{}: save before fit", kind_);
  if (auto s = write_json(dir / "model.json", {{"name", kind_},
                                               {"config", config_to_json(config_)},
                                               {"normaliser", nlohmann::json::parse(scaler_.to_json())},
                                               {"binary", binary_},
                                               {"threads", threads_}});
      !s) {
    return s;
  }
  try {
    auto module = std::shared_ptr<torch::nn::Module>(network_);
    torch::save(module, (dir / "network.pt").string());
  } catch (const c10::Error& e) {
    return core::fail("{}: cannot write {}: {}", kind_, (dir / "network.pt").string(), e.what_without_backtrace());
  }
  return {};
}

core::Status NeuralModel::load(const std::filesystem::path& dir) {
  auto json = read_model_json(dir, kind_);
  if (!json) return std::unexpected(json.error());
  auto state = normalised_model_from_json(*json, dir / "model.json");
  if (!state) return std::unexpected(state.error());
  config_ = std::move(state->config);
  scaler_ = std::move(state->scaler);
  binary_ = state->binary;
  threads_ = json->value("threads", 0);
  auto network = make_network(kind_, config_, static_cast<std::int64_t>(scaler_.num_features()));
  if (!network) return std::unexpected(network.error());
  try {
    auto module = std::shared_ptr<torch::nn::Module>(*network);
    torch::load(module, (dir / "network.pt").string());
  } catch (const c10::Error& e) {
    return core::fail("{}: cannot read {}: {}", kind_, (dir / "network.pt").string(), e.what_without_backtrace());
  }
  network_ = std::move(*network);
  network_->to(pick_device(config_.device));
  network_->eval();
  return {};
}

}  // namespace kestrel::ml
