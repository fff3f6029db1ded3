#include "ml_backends/in_process.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/elapsed.hpp"
#include "ml_backends/neural_networks.hpp"
#include "ml_backends/trainer.hpp"

namespace kestrel::ml {

core::Result<StepBenchResult> run_step_bench_in_process(const StepBenchOptions& options) {
  using Clock = std::chrono::steady_clock;
  torch::set_num_threads(torch_threads(options.threads));
  torch::manual_seed(options.seed);
  if (options.model != "lstm" && options.model != "transformer") {
    return core::fail("bench: the step benchmark covers lstm and transformer, not '{}'", options.model);
  }
  auto network = make_network(options.model, options.network, options.features);
  if (!network) return std::unexpected(network.error());
  Network& net = **network;
  torch::optim::AdamW optimizer(net.parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(1e-4));
  const auto x = torch::randn({options.batch, options.seq_len, options.features});
  const auto y = (torch::rand({options.batch}) > 0.5).to(torch::kFloat32);
  const auto weight = torch::ones_like(y);  // the trainer always passes per-sample class weights

  StepBenchResult result;
  net.train();
  std::vector<double> step_seconds;
  for (int step = 0; step < options.warmup + options.steps; ++step) {
    const auto start = Clock::now();
    optimizer.zero_grad();
    const auto loss = torch::binary_cross_entropy_with_logits(net.forward(x), y, weight);
    loss.backward();
    torch::nn::utils::clip_grad_norm_(net.parameters(), 1.0);
    optimizer.step();
    result.final_loss = loss.item<double>();
    if (step >= options.warmup) step_seconds.push_back(core::seconds_since(start));
  }
  std::sort(step_seconds.begin(), step_seconds.end());
  result.step_seconds = step_seconds.empty() ? 0 : step_seconds[step_seconds.size() / 2];

  net.eval();
  torch::InferenceMode inference;
  const auto universe = torch::randn({options.universe, options.seq_len, options.features});
  std::vector<double> ms;
  for (int run = 0; run < options.inference_runs + 1; ++run) {
    const auto start = Clock::now();
    const auto scores = torch::sigmoid(net.forward(universe));
    const float first = scores[0].item<float>();  // forces the result
    (void)first;
    if (run > 0) ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  result.inference_ms = ms.empty() ? 0 : ms[ms.size() / 2];
  return result;
}

}  // namespace kestrel::ml
