// `kestrel bench train`: training-step time of the LSTM and the Transformer (batch 256,
// 60-day windows, 95 features, random inputs) in C++ against the same models in Debian's
// python3-torch, each with jemalloc and with glibc malloc, plus inference over a whole
// universe (one window per ticker). Every configuration runs in its own child process so
// the allocator is chosen per process: `kestrel bench train-step` is the C++ child,
// bench/torch_step.py the Python one.
#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "ml/train_step_bench.hpp"

namespace kestrel::app {
namespace {

constexpr const char* kJemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
constexpr const char* kJemallocConf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";

struct TrainBenchArgs {
  ml::StepBenchOptions step;
  int system_steps = 1;  // glibc malloc is slow here: fewer timed steps
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

std::string allocator_env(bool jemalloc) {
  if (jemalloc) return fmt::format("env KESTREL_MALLOC=jemalloc LD_PRELOAD={} MALLOC_CONF={}", kJemalloc, kJemallocConf);
  return "env -u LD_PRELOAD -u MALLOC_CONF KESTREL_MALLOC=system";
}

std::string step_flags(const ml::StepBenchOptions& s, int steps) {
  return fmt::format("--model {} --batch {} --seq-len {} --features {} --warmup {} --steps {} --threads {} "
                     "--universe {} --inference-runs {}",
                     s.model, s.batch, s.seq_len, s.features, s.warmup, steps, s.threads, s.universe,
                     s.inference_runs);
}

void run_train_bench(const TrainBenchArgs& args) {
  if (!std::filesystem::exists(args.script)) {
    throw CommandFailed{fmt::format("{}: not found (run from the repository root or pass --script)", args.script)};
  }
  if (!std::filesystem::exists(kJemalloc)) throw CommandFailed{fmt::format("{}: missing (apt-get install libjemalloc2)", kJemalloc)};
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  fmt::print("training step: batch {}, {} steps x {} features, {} threads; inference: {} windows\n", args.step.batch,
             args.step.seq_len, args.step.features, args.step.threads, args.step.universe);
  fmt::print("{:<12} {:<10} {:>14} {:>14} {:>16} {:>16}\n", "model", "allocator", "C++ step s", "Python step s",
             "C++ infer ms", "Python infer ms");
  for (const std::string model : {"lstm", "transformer"}) {
    ml::StepBenchOptions s = args.step;
    s.model = model;
    double best_cpp = 0, best_py = 0;
    for (const bool jemalloc : {true, false}) {
      const int steps = jemalloc ? s.steps : args.system_steps;
      const auto cpp = value_or_fail(run_json(fmt::format("{} {} bench train-step {}", allocator_env(jemalloc), self, step_flags(s, steps))));
      const auto py = value_or_fail(run_json(fmt::format("{} {} {} {}", allocator_env(jemalloc), args.python, args.script, step_flags(s, steps))));
      const double c = cpp.at("step_s").get<double>();
      const double p = py.at("step_s").get<double>();
      fmt::print("{:<12} {:<10} {:>14.3f} {:>14.3f} {:>16.1f} {:>16.1f}\n", model, jemalloc ? "jemalloc" : "glibc", c, p,
                 cpp.at("inference_ms").get<double>(), py.at("inference_ms").get<double>());
      std::fflush(stdout);
      if (best_cpp == 0 || c < best_cpp) best_cpp = c;
      if (best_py == 0 || p < best_py) best_py = p;
    }
    fmt::print("{:<12} best C++ {:.3f} s vs best Python {:.3f} s: C++/Python = {:.2f}\n", model, best_cpp, best_py,
               best_cpp / best_py);
  }
}

}  // namespace

void add_models_bench(CLI::App& bench, const GlobalOptions&) {
  auto args = std::make_shared<TrainBenchArgs>();
  args->step.threads = 2;
  CLI::App* train = bench.add_subcommand(
      "train", "LSTM and Transformer training step and universe inference: C++ (LibTorch) vs python3-torch, "
               "jemalloc vs glibc malloc");
  train->add_option("--steps", args->step.steps, "Timed training steps per configuration (jemalloc)")->capture_default_str();
  train->add_option("--system-steps", args->system_steps, "Timed steps with glibc malloc (slow)")->capture_default_str();
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
  child->callback([step] {
    const auto r = value_or_fail(ml::run_step_bench(*step));
    fmt::print("{}\n", nlohmann::json{{"model", step->model}, {"step_s", r.step_seconds},
                                      {"inference_ms", r.inference_ms}, {"loss", r.final_loss}}
                           .dump());
  });
}

}  // namespace kestrel::app
