#include "ml_backends/neural_networks.hpp"

#include <cmath>

#include "ml_backends/keyed_dropout.hpp"
#include "ml_backends/window_attention.hpp"

namespace kestrel::ml {
namespace {

constexpr std::int64_t kMaxLength = 512;  // longest window the position table covers

// One encoder layer with the layer's own parameters: the operations of LibTorch 1.13's
// TransformerEncoderLayerImpl::forward (post-norm, ReLU, dropout after the attention weights,
// the attention, the inner feed-forward activation and the feed-forward output). For the last
// query only, keys and values still span the window and nothing else changes for that position.
// The attention core is window_attention.hpp's and dropout is keyed (keyed_dropout.hpp): a
// training step twice as fast as with LibTorch's layers, whose batched products multiply one
// small matrix at a time and whose dropout is serial. Scoring on one thread is as fast as
// LibTorch's (238 against 246-264 ms for 4,096 windows), on two about a fifth slower (210
// against 170 ms); the pipeline's sequence networks score on one (pipeline.md).
torch::Tensor encoder_layer(torch::nn::TransformerEncoderLayerImpl& layer, const torch::Tensor& h,
                            bool last_query_only, bool training) {
  namespace F = torch::nn::functional;
  auto& attention = *layer.self_attn;
  const auto query = last_query_only ? h.slice(0, h.size(0) - 1) : h;  // [Lq, B, d]
  const std::int64_t d = h.size(2);
  const double p = layer.options.dropout();
  const auto& w = attention.in_proj_weight;
  const auto& b = attention.in_proj_bias;
  torch::Tensor q, k, v;
  if (last_query_only) {
    q = F::linear(query, w.slice(0, 0, d), b.slice(0, 0, d));
    const auto kv = F::linear(h, w.slice(0, d, 3 * d), b.slice(0, d, 3 * d));
    k = kv.slice(2, 0, d);
    v = kv.slice(2, d, 2 * d);
  } else {
    const auto qkv = F::linear(h, w, b);  // one product for the three projections
    q = qkv.slice(2, 0, d);
    k = qkv.slice(2, d, 2 * d);
    v = qkv.slice(2, 2 * d, 3 * d);
  }
  const auto attended =
      attention.out_proj->forward(window_attention(q, k, v, attention.options.num_heads(), p, training));
  const auto out = layer.norm1->forward(query + keyed_dropout(attended, p, training));
  const auto ff = layer.linear2->forward(keyed_dropout(torch::relu(layer.linear1->forward(out)), p, training));
  return layer.norm2->forward(out + keyed_dropout(ff, p, training));
}

}  // namespace

MlpNetwork::MlpNetwork(std::int64_t features, const std::vector<std::int64_t>& hidden, double dropout) {
  torch::nn::Sequential body;
  std::int64_t in = features;
  for (std::int64_t h : hidden) {
    body->push_back(torch::nn::Linear(in, h));
    body->push_back(torch::nn::ReLU());
    body->push_back(torch::nn::Dropout(dropout));
    in = h;
  }
  body->push_back(torch::nn::Linear(in, 1));
  body_ = register_module("body", body);
}

torch::Tensor MlpNetwork::forward(const torch::Tensor& x) { return body_->forward(x).squeeze(-1); }

LstmNetwork::LstmNetwork(std::int64_t features, std::int64_t hidden, std::int64_t layers, double dropout) {
  lstm_ = register_module(
      "lstm", torch::nn::LSTM(torch::nn::LSTMOptions(features, hidden).num_layers(layers).batch_first(true).dropout(
                  layers > 1 ? dropout : 0.0)));
  dropout_ = register_module("dropout", torch::nn::Dropout(dropout));
  head_ = register_module("head", torch::nn::Linear(hidden, 1));
}

torch::Tensor LstmNetwork::forward(const torch::Tensor& x) {
  const auto out = std::get<0>(lstm_->forward(x));  // [B, L, hidden]
  const auto last = out.select(1, out.size(1) - 1);
  return head_->forward(dropout_->forward(last)).squeeze(-1);
}

TransformerNetwork::TransformerNetwork(std::int64_t features, std::int64_t d_model, std::int64_t heads,
                                       std::int64_t layers, std::int64_t ff_dim, double dropout)
    : d_model_(d_model) {
  input_ = register_module("input", torch::nn::Linear(features, d_model));
  const auto layer = torch::nn::TransformerEncoderLayerOptions(d_model, heads).dim_feedforward(ff_dim).dropout(dropout);
  encoder_ = register_module("encoder", torch::nn::TransformerEncoder(torch::nn::TransformerEncoderOptions(layer, layers)));
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  head_ = register_module("head", torch::nn::Linear(d_model, 1));
  auto pe = torch::zeros({kMaxLength, 1, d_model});
  for (std::int64_t pos = 0; pos < kMaxLength; ++pos) {
    for (std::int64_t i = 0; i < d_model; i += 2) {
      const double angle = static_cast<double>(pos) / std::pow(10000.0, static_cast<double>(i) / static_cast<double>(d_model));
      pe[pos][0][i] = std::sin(angle);
      if (i + 1 < d_model) pe[pos][0][i + 1] = std::cos(angle);
    }
  }
  positions_ = register_buffer("positions", pe);
}

torch::Tensor TransformerNetwork::embed(const torch::Tensor& x) {
  const std::int64_t length = x.size(1);
  TORCH_CHECK(length <= kMaxLength, "transformer: window longer than ", kMaxLength);
  return input_->forward(x).transpose(0, 1) + positions_.slice(0, 0, length);  // [L, B, d]
}

torch::Tensor TransformerNetwork::score(const torch::Tensor& last) {
  return head_->forward(norm_->forward(last)).squeeze(-1);
}

torch::Tensor TransformerNetwork::forward_all_positions(const torch::Tensor& x) {
  const auto h = encoder_->forward(embed(x));
  return score(h.select(0, h.size(0) - 1));
}

torch::Tensor TransformerNetwork::last_query_attention(const torch::Tensor& x) {
  auto h = embed(x);
  std::vector<torch::Tensor> maps;
  for (const auto& module : *encoder_->layers) {
    auto& layer = *module->as<torch::nn::TransformerEncoderLayerImpl>();
    const auto query = h.slice(0, h.size(0) - 1);  // [1, B, d]
    // Per head (average_attn_weights false): [B, heads, 1, L].
    const auto weights = std::get<1>(layer.self_attn->forward(query, h, h, /*key_padding_mask=*/{},
                                                              /*need_weights=*/true, /*attn_mask=*/{},
                                                              /*average_attn_weights=*/false));
    maps.push_back(weights.squeeze(2));
    h = layer.forward(h);
  }
  return torch::stack(maps);
}

torch::Tensor TransformerNetwork::forward(const torch::Tensor& x) {
  auto h = embed(x);
  const auto& layers = *encoder_->layers;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    h = encoder_layer(*layers[i]->as<torch::nn::TransformerEncoderLayerImpl>(), h,
                      /*last_query_only=*/i + 1 == layers.size(), is_training());
  }
  return score(h.squeeze(0));
}

core::Result<std::shared_ptr<Network>> make_network(const std::string& kind, const ModelConfig& config,
                                                    std::int64_t features) {
  if (kind == "mlp") return std::make_shared<MlpNetwork>(features, config.mlp_hidden, config.dropout);
  if (kind == "lstm") {
    return std::make_shared<LstmNetwork>(features, config.lstm_hidden, config.lstm_layers, config.dropout);
  }
  if (kind == "transformer") {
    if (config.d_model % config.heads != 0) {
      return core::fail("transformer: d_model {} is not divisible by heads {}", config.d_model, config.heads);
    }
    return std::make_shared<TransformerNetwork>(features, config.d_model, config.heads, config.layers, config.ff_dim,
                                                config.dropout);
  }
  return core::fail("unknown network '{}' (known: mlp, lstm, transformer)", kind);
}

}  // namespace kestrel::ml
