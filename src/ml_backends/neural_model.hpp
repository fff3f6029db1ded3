#pragma once
// mlp, lstm and transformer as Models: a FeatureScaler fitted on the training samples, a
// network from ml/neural_networks.hpp trained by the shared loop in ml/trainer.hpp, and
// sigmoid outputs (raw outputs for return labels). The MLP reads the features at t (tabular
// view, or the last step of each window); LSTM and Transformer read the sequence view.
// On CPU, training uses at most config.max_train_samples evenly spaced training samples
// (and half as many validation samples for early stopping); 0 = all.
// Runs on CUDA when config.device is "cuda", or "auto" and torch::cuda::is_available()
// (Debian's LibTorch is CPU-only, so "auto" means CPU there).
// Saved as model.json (config, normaliser, label type) and network.pt (torch::save).
// This header is torch-free; the network lives behind a pointer.
#include <memory>

#include "ml/feature_scaler.hpp"
#include "ml/model_config.hpp"
#include "ml/sample_model.hpp"

namespace kestrel::ml {

class Network;

class NeuralModel final : public SampleModel {
 public:
  // kind: "mlp", "lstm" or "transformer".
  NeuralModel(std::string kind, ModelConfig config);
  ~NeuralModel() override;

  std::string name() const override { return kind_; }
  bool uses_sequences() const override { return kind_ != "mlp"; }
  std::string fit_settings() const override;
  std::string fingerprint() const override;
  core::Result<FitReport> fit_rows(const SampleSet& train, Rows train_rows, const SampleSet& validation,
                                   Rows validation_rows, const FitOptions& options) override;
  core::Result<std::vector<float>> predict_rows(const SampleSet& samples, Rows rows) const override;
  bool has_attention() const override { return kind_ == "transformer"; }
  core::Result<AttentionMaps> attention(const SampleSet& samples, std::size_t max_samples) const override;
  core::Status save(const std::filesystem::path& dir) const override;
  core::Status load(const std::filesystem::path& dir) override;

 private:
  std::string kind_;
  ModelConfig config_;
  FeatureScaler scaler_;
  bool binary_ = true;
  int threads_ = 0;
  std::shared_ptr<Network> network_;
};

}  // namespace kestrel::ml
