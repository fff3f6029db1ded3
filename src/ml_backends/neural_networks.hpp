#pragma once
// The LibTorch networks behind mlp, lstm and transformer. Each maps a batch to one logit
// (or one return) per sample: MLP [B, F] -> [B]; LSTM and Transformer [B, L, F] -> [B],
// reading the window oldest first and scoring from its last step (day t).
// Torch header: include only from the ml module's torch translation units.
#include <memory>
#include <string>

#include <torch/torch.h>

#include "core/error.hpp"
#include "ml/model_config.hpp"

namespace kestrel::ml {

class Network : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

class MlpNetwork final : public Network {
 public:
  MlpNetwork(std::int64_t features, const std::vector<std::int64_t>& hidden, double dropout);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential body_{nullptr};
};

class LstmNetwork final : public Network {
 public:
  LstmNetwork(std::int64_t features, std::int64_t hidden, std::int64_t layers, double dropout);
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::LSTM lstm_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
  torch::nn::Linear head_{nullptr};
};

// LibTorch 1.13's encoder layer has no batch_first: the window is transposed to
// [L, B, d_model] for the encoder. Positions are sinusoidal (a buffer, not trained).
//
// forward runs the encoder's layers with their own parameters but its own code
// (neural_networks.cpp's encoder_layer): the attention core of window_attention.hpp and keyed
// dropout (keyed_dropout.hpp), which made a CPU training step twice as fast as LibTorch's
// layers (docs/models.md). Only the last position's output is scored,
// so the final layer runs attention, feed-forward and norms for that one query (keys and values
// still span the window), in training as in scoring: the same function as the whole encoder
// (tests/ml/neural_networks_test.cpp checks both against LibTorch's own layers).
class TransformerNetwork final : public Network {
 public:
  TransformerNetwork(std::int64_t features, std::int64_t d_model, std::int64_t heads, std::int64_t layers,
                     std::int64_t ff_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x) override;
  // Every position through LibTorch's own encoder layers (the reference for the above).
  torch::Tensor forward_all_positions(const torch::Tensor& x);
  // Eval mode: what the last position attends to in every layer, per head,
  // [layers, B, heads, L]. Each layer's weights come from its own self-attention on that
  // layer's input (post-norm: the input is what the layer attends over).
  torch::Tensor last_query_attention(const torch::Tensor& x);

 private:
  torch::Tensor embed(const torch::Tensor& x);  // [B, L, F] -> [L, B, d] with positions
  torch::Tensor score(const torch::Tensor& last);  // [B, d] -> [B]

  std::int64_t d_model_;
  torch::nn::Linear input_{nullptr};
  torch::nn::TransformerEncoder encoder_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::Linear head_{nullptr};
  torch::Tensor positions_;  // [max_len, 1, d_model]
};

// "mlp", "lstm" or "transformer" with the config's sizes.
core::Result<std::shared_ptr<Network>> make_network(const std::string& kind, const ModelConfig& config,
                                                    std::int64_t features);

}  // namespace kestrel::ml
