#pragma once
// Dropout whose mask is a hash of (key, element index) instead of a draw per element from
// LibTorch's CPU generator. LibTorch 1.13 without MKL fills a dropout mask serially, one
// generator call per element under the generator's lock: at the Transformer's CPU sizes that
// was a third of a training step while the second core waited (docs/benchmarks.md, "Models").
// A keyed mask is filled in parallel, and the same key gives the same mask on any number of
// threads. The key is one draw from LibTorch's default generator, so a network stays
// reproducible from torch::manual_seed as before.
// Torch header: include only from the ml module's torch translation units.
#include <cstdint>

#include <torch/torch.h>

namespace kestrel::ml {

// One draw from LibTorch's default CPU generator (under its lock).
std::uint64_t draw_dropout_key();

// Elements are dropped with probability p: threshold_of(p) = p · 2^32.
std::uint32_t dropout_threshold(double p);

// Whether element `index` of the mask keyed by `key` is kept (SplitMix64 finaliser of both).
inline bool dropout_keeps(std::uint64_t key, std::uint64_t index, std::uint32_t threshold) {
  const auto mix = [](std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  };
  return static_cast<std::uint32_t>(mix(key ^ mix(index)) >> 32) >= threshold;
}

// Inverted dropout (kept elements scaled by 1 / (1 - p)); the input itself when not training
// or p is 0. Differentiable (the mask is a constant factor). Off the CPU: torch::dropout.
torch::Tensor keyed_dropout(const torch::Tensor& x, double p, bool training);

}  // namespace kestrel::ml
