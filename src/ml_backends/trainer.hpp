#pragma once
// The one training loop of the LibTorch models (mlp, lstm, transformer):
// - AdamW with the config's learning rate and weight decay; learning-rate schedule per
//   epoch (constant, cosine to 0 over `epochs`, or step decay);
// - binary cross-entropy on logits with balanced class weights (each class carries half of
//   the loss), or mean squared error for return labels; global gradient-norm clipping;
// - validation loss (unweighted log loss / MSE) and accuracy after each epoch on the
//   progress bar; early stopping after `patience` epochs without improvement, keeping the
//   best epoch's weights;
// - checkpoints every epoch in FitOptions::checkpoint_dir (model.pt, optimizer.pt, best.pt,
//   state.json); a later fit with the same folder resumes after the last finished epoch;
// - reproducible: torch::manual_seed(seed + epoch) before each epoch (dropout) and a
//   shuffle from core::Rng::for_stream(seed, epoch), so a resumed run and an uninterrupted
//   one see the same batches; torch::set_num_threads(FitOptions::threads or all cores).
// Torch header: include only from the ml module's torch translation units.
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "core/error.hpp"
#include "ml/model.hpp"
#include "ml/model_config.hpp"
#include "ml_backends/neural_networks.hpp"
#include "ml/sample_model.hpp"
#include "ml_backends/tensor_export.hpp"

namespace kestrel::ml {

// Samples the trainer can draw batches from: `fetch(ids)` returns x and y for positions
// 0..size-1 of this set, in the order asked.
struct TrainingData {
  std::size_t size = 0;
  std::function<core::Result<TensorBatch>(std::span<const std::size_t>)> fetch;
};

struct TrainingRun {
  std::string label;  // progress bar label, e.g. "lstm"
  bool binary = true;
  torch::Device device{torch::kCPU};
};

core::Result<FitReport> train_network(Network& network, const TrainingData& train, const TrainingData& validation,
                                      const ModelConfig& config, const FitOptions& options, const TrainingRun& run);

// The thread count used for `requested` (0 = all cores).
int torch_threads(int requested);

}  // namespace kestrel::ml
