#include "ml_backends/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numbers>
#include <numeric>
#include <thread>

#include "core/elapsed.hpp"
#include "core/progress.hpp"
#include "core/rng.hpp"
#include "ml/model_files.hpp"

namespace kestrel::ml {
namespace {

constexpr std::size_t kEvalChunk = 4096;

double learning_rate(const ModelConfig& c, int epoch) {
  switch (c.lr_schedule) {
    case LrSchedule::Constant: return c.learning_rate;
    case LrSchedule::Cosine:
      return c.learning_rate * 0.5 * (1 + std::cos(std::numbers::pi * epoch / std::max(1, c.epochs)));
    case LrSchedule::Step: return c.learning_rate * std::pow(c.lr_step_gamma, epoch / c.lr_step_epochs);
  }
  return c.learning_rate;
}

// Every sample of `data` in order, in chunks of kEvalChunk (bounded memory).
core::Status for_each_chunk(const TrainingData& data, const std::function<void(const TensorBatch&)>& use) {
  std::vector<std::size_t> ids;
  for (std::size_t first = 0; first < data.size; first += kEvalChunk) {
    ids.resize(std::min(kEvalChunk, data.size - first));
    std::iota(ids.begin(), ids.end(), first);
    auto batch = data.fetch(ids);
    if (!batch) return std::unexpected(batch.error());
    use(*batch);
  }
  return {};
}

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
};

core::Result<Evaluation> evaluate(Network& network, const TrainingData& data, const TrainingRun& run) {
  torch::NoGradGuard no_grad;
  network.eval();
  double loss = 0;
  double hits = 0;
  const auto status = for_each_chunk(data, [&](const TensorBatch& batch) {
    const auto x = batch.x.to(run.device);
    const auto y = batch.y.to(run.device);
    const auto out = network.forward(x);
    if (run.binary) {
      loss += torch::binary_cross_entropy_with_logits(out, y, {}, {}, at::Reduction::Sum).item<double>();
      hits += ((out > 0).to(torch::kFloat32) == y).sum().item<double>();
    } else {
      loss += torch::mse_loss(out, y, at::Reduction::Sum).item<double>();
      hits += ((out > 0) == (y > 0)).sum().item<double>();
    }
  });
  if (!status) return std::unexpected(status.error());
  const double n = static_cast<double>(std::max<std::size_t>(1, data.size));
  return Evaluation{loss / n, hits / n};
}

// Copies of every parameter and buffer (the best epoch's weights).
std::vector<torch::Tensor> snapshot(Network& network) {
  std::vector<torch::Tensor> state;
  for (const auto& p : network.parameters()) state.push_back(p.detach().clone());
  for (const auto& b : network.buffers()) state.push_back(b.detach().clone());
  return state;
}

void restore(Network& network, const std::vector<torch::Tensor>& state) {
  torch::NoGradGuard no_grad;
  std::size_t i = 0;
  for (auto& p : network.parameters()) p.copy_(state[i++]);
  for (auto& b : network.buffers()) b.copy_(state[i++]);
}

struct Progress {
  int next_epoch = 0;
  int best_epoch = 0;
  int stale = 0;
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> train_loss;
  std::vector<double> validation_loss;
};

nlohmann::json to_json(const Progress& p) {
  return {{"next_epoch", p.next_epoch}, {"best_epoch", p.best_epoch}, {"stale", p.stale},
          {"best", std::isfinite(p.best) ? p.best : -1.0}, {"train_loss", p.train_loss},
          {"validation_loss", p.validation_loss}};
}

Progress progress_from(const nlohmann::json& j) {
  Progress p;
  p.next_epoch = j.value("next_epoch", 0);
  p.best_epoch = j.value("best_epoch", 0);
  p.stale = j.value("stale", 0);
  const double best = j.value("best", -1.0);
  p.best = best < 0 ? std::numeric_limits<double>::infinity() : best;
  p.train_loss = j.value("train_loss", std::vector<double>{});
  p.validation_loss = j.value("validation_loss", std::vector<double>{});
  return p;
}

std::shared_ptr<torch::nn::Module> as_module(Network& network) {
  return std::shared_ptr<torch::nn::Module>(&network, [](torch::nn::Module*) {});
}

}  // namespace

int torch_threads(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

core::Result<FitReport> train_network(Network& network, const TrainingData& train, const TrainingData& validation,
                                      const ModelConfig& config, const FitOptions& options, const TrainingRun& run) {
  const auto start = std::chrono::steady_clock::now();
  if (train.size == 0) return core::fail("{}: no training samples", run.label);
  torch::set_num_threads(torch_threads(options.threads));
  torch::manual_seed(options.seed);
  network.to(run.device);

  // Balanced class weights from the training labels: w_c = n / (2 n_c).
  double w0 = 1, w1 = 1;
  if (run.binary && config.class_weights) {
    double ones = 0;
    const auto status = for_each_chunk(train, [&](const TensorBatch& batch) { ones += batch.y.sum().item<double>(); });
    if (!status) return std::unexpected(status.error());
    const double n = static_cast<double>(train.size);
    if (ones > 0 && ones < n) {
      w1 = n / (2 * ones);
      w0 = n / (2 * (n - ones));
    }
  }

  torch::optim::AdamW optimizer(network.parameters(),
                                torch::optim::AdamWOptions(config.learning_rate).weight_decay(config.weight_decay));
  Progress progress;
  std::vector<torch::Tensor> best_state = snapshot(network);
  const auto& dir = options.checkpoint_dir;
  try {
    if (!dir.empty() && std::filesystem::exists(dir / "state.json")) {
      auto state = read_json(dir / "state.json");
      if (!state) return std::unexpected(state.error());
      progress = progress_from(*state);
      auto module = as_module(network);
      torch::load(module, (dir / "model.pt").string());
      torch::load(optimizer, (dir / "optimizer.pt").string());
      if (std::filesystem::exists(dir / "best.pt")) {
        torch::load(module, (dir / "best.pt").string());
        best_state = snapshot(network);
        torch::load(module, (dir / "model.pt").string());
      }
    }
  } catch (const c10::Error& e) {
    return core::fail("{}: cannot resume from checkpoint {}: {}", run.label, dir.string(), e.what_without_backtrace());
  }

  const std::size_t batch_size = std::max<std::size_t>(1, config.batch_size);
  const std::size_t steps = (train.size + batch_size - 1) / batch_size;
  core::ProgressBar bar(run.label, steps * static_cast<std::size_t>(std::max(0, config.epochs - progress.next_epoch)),
                        options.show_progress);
  std::vector<std::size_t> order(train.size);
  for (int epoch = progress.next_epoch; epoch < config.epochs; ++epoch) {
    const double lr = learning_rate(config, epoch);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    torch::manual_seed(options.seed + static_cast<std::uint64_t>(epoch));
    std::iota(order.begin(), order.end(), std::size_t{0});
    core::Rng rng = core::Rng::for_stream(options.seed, static_cast<std::uint64_t>(epoch));
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);

    network.train();
    double epoch_loss = 0;
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t first = s * batch_size;
      const std::span<const std::size_t> ids(order.data() + first, std::min(batch_size, train.size - first));
      auto batch = train.fetch(ids);
      if (!batch) return std::unexpected(batch.error());
      const auto x = batch->x.to(run.device);
      const auto y = batch->y.to(run.device);
      optimizer.zero_grad();
      const auto out = network.forward(x);
      torch::Tensor loss;
      if (run.binary) {
        const auto weight = y * w1 + (1 - y) * w0;
        loss = torch::binary_cross_entropy_with_logits(out, y, weight);
      } else {
        loss = torch::mse_loss(out, y);
      }
      loss.backward();
      if (config.grad_clip > 0) torch::nn::utils::clip_grad_norm_(network.parameters(), config.grad_clip);
      optimizer.step();
      epoch_loss += loss.item<double>() * static_cast<double>(ids.size());
      bar.advance();
    }
    progress.train_loss.push_back(epoch_loss / static_cast<double>(train.size));

    double score = progress.train_loss.back();
    std::string status = fmt::format("epoch {}/{} loss {:.4f}", epoch + 1, config.epochs, score);
    if (validation.size > 0) {
      auto eval = evaluate(network, validation, run);
      if (!eval) return std::unexpected(eval.error());
      score = eval->loss;
      progress.validation_loss.push_back(eval->loss);
      status += fmt::format(" val_loss {:.4f} val_acc {:.3f}", eval->loss, eval->accuracy);
    }
    bar.set_status(status);
    if (score < progress.best) {
      progress.best = score;
      progress.best_epoch = epoch + 1;
      progress.stale = 0;
      best_state = snapshot(network);
    } else {
      ++progress.stale;
    }
    progress.next_epoch = epoch + 1;
    if (!dir.empty()) {
      try {
        std::filesystem::create_directories(dir);
        auto module = as_module(network);
        torch::save(module, (dir / "model.pt").string());
        torch::save(optimizer, (dir / "optimizer.pt").string());
        if (progress.stale == 0) torch::save(module, (dir / "best.pt").string());
      } catch (const c10::Error& e) {
        return core::fail("{}: cannot write checkpoint in {}: {}", run.label, dir.string(), e.what_without_backtrace());
      }
      if (auto s = write_json(dir / "state.json", to_json(progress)); !s) return std::unexpected(s.error());
    }
    if (validation.size > 0 && progress.stale >= config.patience) break;
  }
  bar.finish();
  restore(network, best_state);
  network.eval();

  FitReport report;
  report.epochs_run = progress.next_epoch;
  report.samples_fitted = train.size;
  report.best_epoch = progress.best_epoch;
  report.best_validation_loss = validation.size > 0 ? progress.best : 0;
  report.train_loss = progress.train_loss;
  report.validation_loss = progress.validation_loss;
  report.seconds = core::seconds_since(start);
  return report;
}

}  // namespace kestrel::ml
