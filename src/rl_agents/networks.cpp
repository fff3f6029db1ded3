#include "rl_agents/networks.hpp"

#include <cmath>

namespace kestrel::rl {

namespace {

torch::nn::Linear orthogonal_linear(std::int64_t in, std::int64_t out, double gain) {
  torch::nn::Linear layer(in, out);
  torch::NoGradGuard no_grad;
  torch::nn::init::orthogonal_(layer->weight, gain);
  layer->bias.zero_();
  return layer;
}

}  // namespace

torch::nn::Sequential make_mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
                               Activation activation, double output_gain) {
  torch::nn::Sequential net;
  std::int64_t width = in;
  for (std::int64_t h : hidden) {
    net->push_back(orthogonal_linear(width, h, std::sqrt(2.0)));
    if (activation == Activation::Tanh) {
      net->push_back(torch::nn::Tanh());
    } else {
      net->push_back(torch::nn::ReLU());
    }
    width = h;
  }
  net->push_back(orthogonal_linear(width, out, output_gain));
  return net;
}

torch::Tensor to_tensor(const float* data, std::int64_t rows, std::int64_t cols) {
  return torch::from_blob(const_cast<float*>(data), {rows, cols}, torch::kFloat32).clone();
}

}  // namespace kestrel::rl
