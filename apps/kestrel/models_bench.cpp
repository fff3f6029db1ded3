// `kestrel bench train`: training-step time of the LSTM and the Transformer (batch 256,
// 60-day windows, 95 features, random inputs) in C++ against the same models in Debian's
// python3-torch, both with jemalloc (kestrel links it; Python gets it preloaded), plus inference
// over a whole universe (one window per ticker); then the same for the pipeline's CPU preset
// sizes, at 60 days and at the preset's own lookback. Every configuration runs in its own child
// process: `kestrel bench train-step` is the C++ child, bench/torch_step.py the Python one.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "ml/model_config.hpp"
#include "ml/train_step_bench.hpp"

namespace kestrel::app {
namespace {

constexpr const char* kJemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
constexpr const char* kJemallocConf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

struct TrainBenchArgs {
  ml::StepBenchOptions step;
  std::string script = "bench/torch_step.py";
  std::string python = "/usr/bin/python3";
};

// Runs `command` through the shell and parses the last line of its stdout as JSON.
core::Result<nlohmann::json> run_json(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return core::fail("cannot run: {}", command);
  std::string out;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) out += buffer.data();
  const int status = pclose(pipe.release());
  if (status != 0) return core::fail("'{}' failed (status {}): {}", command, status, out);
  const auto end = out.find_last_not_of('\n');
  const auto begin = out.rfind('\n', end);
  const std::string last = out.substr(begin == std::string::npos ? 0 : begin + 1, end == std::string::npos ? 0 : end - (begin == std::string::npos ? 0 : begin + 1) + 1);
  try {
    return nlohmann::json::parse(last);
  } catch (const nlohmann::json::exception&) {
    return core::fail("'{}' printed no JSON result: {}", command, out);
  }
}

// The same allocator on both sides: kestrel links jemalloc with this configuration built in.
std::string allocator_env() { return fmt::format("env LD_PRELOAD={} MALLOC_CONF={}", kJemalloc, kJemallocConf); }

std::string step_flags(const ml::StepBenchOptions& s, int steps) {
  return fmt::format("--model {} --batch {} --seq-len {} --features {} --warmup {} --steps {} --threads {} "
                     "--universe {} --inference-runs {} --lstm-hidden {} --lstm-layers {} --d-model {} --heads {} "
                     "--layers {} --ff-dim {}",
                     s.model, s.batch, s.seq_len, s.features, s.warmup, steps, s.threads, s.universe,
                     s.inference_runs, s.network.lstm_hidden, s.network.lstm_layers, s.network.d_model,
                     s.network.heads, s.network.layers, s.network.ff_dim);
}

// The BLAS library this process resolved libblas.so.3 to (Debian's alternatives pick it):
// LibTorch is only fast here with OpenBLAS's OpenMP build (scripts/install-deps.sh).
std::string resolved_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash != std::string::npos && line.find("libblas.so") != std::string::npos) return line.substr(slash);
  }
  return "not loaded";
}

struct Row {
  std::string model, size, allocator;
  std::int64_t seq_len = 0;
  nlohmann::json cpp, python;
};

Row run_pair(const TrainBenchArgs& args, const std::string& self, const ml::StepBenchOptions& s, const std::string& size) {
  Row row{s.model, size, "jemalloc", s.seq_len, {}, {}};
  row.cpp = value_or_fail(run_json(fmt::format("{} bench train-step {}", self, step_flags(s, s.steps))));
  row.python = value_or_fail(
      run_json(fmt::format("{} {} {} {}", allocator_env(), args.python, args.script, step_flags(s, s.steps))));
  fmt::print("{:<12} {:<10} {:>4} {:<9} {:>11.3f} {:>11.3f} {:>13.1f} {:>13.1f}\n", row.model, row.size, row.seq_len,
             row.allocator, row.cpp.at("step_s").get<double>(), row.python.at("step_s").get<double>(),
             row.cpp.at("inference_ms").get<double>(), row.python.at("inference_ms").get<double>());
  std::fflush(stdout);
  return row;
}

void run_train_bench(const TrainBenchArgs& args) {
  if (!std::filesystem::exists(args.script)) {
    throw CommandFailed{fmt::format("{}: not found (run from the repository root or pass --script)", args.script)};
  }
  if (!std::filesystem::exists(kJemalloc)) throw CommandFailed{fmt::format("{}: missing (apt-get install libjemalloc2)", kJemalloc)};
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto cpu = value_or_fail(ml::preset_config("cpu"));
  fmt::print("training step: batch {}, {} features, {} threads; inference: {} windows (one per ticker), forward only\n",
             args.step.batch, args.step.features, args.step.threads, args.step.universe);
  fmt::print("sizes: bench = LSTM 2 x 128, Transformer d_model 128 / 4 heads / 2 layers / ff 256; "
             "cpu = the pipeline's CPU preset, LSTM {} x {}, Transformer d_model {} / {} heads / {} layers / ff {}\n",
             cpu.lstm_layers, cpu.lstm_hidden, cpu.d_model, cpu.heads, cpu.layers, cpu.ff_dim);
  fmt::print("{:<12} {:<10} {:>4} {:<9} {:>11} {:>11} {:>13} {:>13}\n", "model", "size", "seq", "allocator", "C++ step s",
             "Py step s", "C++ infer ms", "Py infer ms");
  std::vector<Row> rows;
  for (const std::string model : {"lstm", "transformer"}) {
    ml::StepBenchOptions bench = args.step;
    bench.model = model;
    rows.push_back(run_pair(args, self, bench, "bench"));
    ml::StepBenchOptions preset = bench;
    preset.network = cpu;
    rows.push_back(run_pair(args, self, preset, "cpu"));
    preset.seq_len = static_cast<std::int64_t>(cpu.lookback);
    rows.push_back(run_pair(args, self, preset, "cpu"));
  }
  fmt::print("\nBLAS (C++ child): {}\n", rows.front().cpp.value("blas", std::string("?")));
  for (const auto& row : rows) {
    const double c = row.cpp.at("step_s").get<double>();
    const double p = row.python.at("step_s").get<double>();
    const double ms = row.cpp.at("inference_ms").get<double>();
    // Both sides run the same LibTorch kernels; repeated runs on this VM differ by about 5%.
    const double ratio = c / p;
    const char* verdict = ratio < 0.95 ? "C++ faster" : ratio <= 1.05 ? "the same within 5%" : "C++ slower";
    fmt::print("{} {} seq {} {}: C++/Python step time {:.2f} ({}); universe inference {:.1f} ms ({} 50 ms)\n", row.model,
               row.size, row.seq_len, row.allocator, ratio, verdict, ms, ms < 50 ? "under" : "over");
  }
}

}  // namespace

void add_models_bench(CLI::App& bench, const GlobalOptions&) {
  auto args = std::make_shared<TrainBenchArgs>();
  args->step.threads = 2;
  CLI::App* train = bench.add_subcommand(
      "train", "LSTM and Transformer training step and universe inference: C++ (LibTorch) vs python3-torch, "
               "both with jemalloc");
  train->add_option("--steps", args->step.steps, "Timed training steps per configuration")->capture_default_str();
  train->add_option("--threads", args->step.threads, "Torch threads")->capture_default_str();
  train->add_option("--universe", args->step.universe, "Windows scored in one inference call")->capture_default_str();
  train->add_option("--script", args->script, "Python side of the benchmark")->capture_default_str();
  train->callback([args] { run_train_bench(*args); });

  auto step = std::make_shared<ml::StepBenchOptions>();
  CLI::App* child = bench.add_subcommand("train-step", "One configuration of `bench train` in this process; prints JSON");
  child->add_option("--model", step->model, "lstm or transformer")->check(CLI::IsMember({"lstm", "transformer"}));
  child->add_option("--batch", step->batch)->capture_default_str();
  child->add_option("--seq-len", step->seq_len)->capture_default_str();
  child->add_option("--features", step->features)->capture_default_str();
  child->add_option("--warmup", step->warmup)->capture_default_str();
  child->add_option("--steps", step->steps)->capture_default_str();
  child->add_option("--threads", step->threads, "0 = all cores")->capture_default_str();
  child->add_option("--universe", step->universe)->capture_default_str();
  child->add_option("--inference-runs", step->inference_runs)->capture_default_str();
  child->add_option("--lstm-hidden", step->network.lstm_hidden)->capture_default_str();
  child->add_option("--lstm-layers", step->network.lstm_layers)->capture_default_str();
  child->add_option("--d-model", step->network.d_model)->capture_default_str();
  child->add_option("--heads", step->network.heads)->capture_default_str();
  child->add_option("--layers", step->network.layers)->capture_default_str();
  child->add_option("--ff-dim", step->network.ff_dim)->capture_default_str();
  child->callback([step] {
    const auto r = value_or_fail(ml::run_step_bench(*step));
    fmt::print("{}\n", nlohmann::json{{"model", step->model}, {"step_s", r.step_seconds},
                                      {"inference_ms", r.inference_ms}, {"loss", r.final_loss},
                                      {"blas", resolved_blas()}}
                           .dump());
  });
}

}  // namespace kestrel::app
