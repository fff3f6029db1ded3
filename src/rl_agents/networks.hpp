#pragma once
// The small fully connected networks behind the agents, initialised as Stable-Baselines3 does:
// orthogonal weights (gain √2 in hidden layers, a chosen gain on the output), zero biases.
// Torch header: include only from rl_agents' translation units.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace kestrel::rl {

enum class Activation { Tanh, Relu };

// in → hidden… → out; `output_gain` scales the last layer's orthogonal init (SB3: 0.01 for a
// policy head, 1 for a value head).
torch::nn::Sequential make_mlp(std::int64_t in, const std::vector<std::int64_t>& hidden, std::int64_t out,
                               Activation activation, double output_gain);

// [rows × cols] floats → a tensor that owns a copy.
torch::Tensor to_tensor(const float* data, std::int64_t rows, std::int64_t cols);

}  // namespace kestrel::rl
