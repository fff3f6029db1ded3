#pragma once
// Timings for `kestrel bench train`: one training step (forward, balanced BCE loss,
// backward, gradient clipping, AdamW) of the LSTM or Transformer on random inputs, and
// inference over a whole universe (one window per ticker). The networks are those of
// ml/neural_networks.hpp; bench/torch_step.py builds the same ones in Python.
// Torch-free header.
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "ml/model_config.hpp"

namespace kestrel::ml {

// LSTM 2 x 128; Transformer d_model 128, 4 heads, 2 layers, feed-forward 256; dropout 0.1.
ModelConfig benchmark_networks();

struct StepBenchOptions {
  std::string model = "lstm";  // "lstm" or "transformer"
  // Network sizes (lstm_* and the Transformer's d_model, heads, layers, ff_dim): the
  // benchmark's networks by default; `kestrel bench train` also runs the CPU preset the
  // pipeline trains (ml/model_config.hpp: hidden 64, d_model 64).
  ModelConfig network = benchmark_networks();
  std::int64_t batch = 256;
  std::int64_t seq_len = 60;
  std::int64_t features = 95;
  int warmup = 1;
  int steps = 10;
  int threads = 0;  // 0 = all cores
  std::int64_t universe = 500;  // inference: windows scored in one call
  int inference_runs = 20;
  std::uint64_t seed = 42;
};

struct StepBenchResult {
  double step_seconds = 0;       // median over the timed steps (this VM has hiccups)
  double inference_ms = 0;       // median over inference_runs, [universe, seq_len, features]
  double final_loss = 0;
};

core::Result<StepBenchResult> run_step_bench(const StepBenchOptions& options);

}  // namespace kestrel::ml
