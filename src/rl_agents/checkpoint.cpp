#include "rl_agents/checkpoint.hpp"

#include <cstring>
#include <fstream>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "core/atomic_file.hpp"

namespace kestrel::rl {

namespace {

// core::Rng is a handful of integers and a cached normal: its bytes are its state.
static_assert(std::is_trivially_copyable_v<core::Rng>);

std::string to_hex(const core::Rng& rng) {
  unsigned char bytes[sizeof(core::Rng)];
  std::memcpy(bytes, &rng, sizeof bytes);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : bytes) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  return hex;
}

bool from_hex(const std::string& hex, core::Rng& rng) {
  if (hex.size() != 2 * sizeof(core::Rng)) return false;
  unsigned char bytes[sizeof(core::Rng)];
  for (std::size_t i = 0; i < sizeof bytes; ++i) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nibble(hex[2 * i]);
    const int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  std::memcpy(&rng, bytes, sizeof bytes);
  return true;
}

core::Status write_state(const std::filesystem::path& dir, const CheckpointState& state) {
  nlohmann::json j;
  j["agent"] = state.agent;
  j["steps"] = state.steps;
  j["updates"] = state.updates;
  j["rng"] = to_hex(state.rng);
  return core::write_file_atomically(dir / "state.json", j.dump(2) + "\n");
}

core::Result<CheckpointState> read_state(const std::filesystem::path& dir, const std::string& agent) {
  const auto path = dir / "state.json";
  std::ifstream in(path);
  if (!in) return core::fail_as(core::ErrorKind::Io, "{}: cannot read the checkpoint state", path.string());
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return core::fail_as(core::ErrorKind::Io, "{}: not JSON", path.string());
  CheckpointState state;
  state.agent = j.value("agent", "");
  if (state.agent != agent) {
    return core::fail_as(core::ErrorKind::Config, "{}: a checkpoint of agent '{}', not '{}'", path.string(),
                         state.agent, agent);
  }
  if (!j.contains("steps") || !j["steps"].is_number_integer() || !j.contains("updates") ||
      !j["updates"].is_number_integer() || !j.contains("rng") || !j["rng"].is_string() ||
      !from_hex(j["rng"].get<std::string>(), state.rng)) {
    return core::fail_as(core::ErrorKind::Io, "{}: field steps, updates or rng is missing or malformed", path.string());
  }
  state.steps = j["steps"].get<std::int64_t>();
  state.updates = j["updates"].get<std::int64_t>();
  return state;
}

}  // namespace

core::Status save_checkpoint(const std::filesystem::path& dir, torch::nn::Module& networks,
                             torch::optim::Optimizer& optimizer, const CheckpointState& state) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "{}: cannot create the checkpoint folder: {}", dir.string(), ec.message());
  try {
    torch::serialize::OutputArchive model;
    networks.save(model);
    model.save_to((dir / "model.pt").string());
    torch::save(optimizer, (dir / "optimizer.pt").string());
  } catch (const std::exception& e) {
    return core::fail_as(core::ErrorKind::Io, "{}: cannot write the checkpoint: {}", dir.string(), e.what());
  }
  return write_state(dir, state);
}

core::Result<CheckpointState> load_checkpoint(const std::filesystem::path& dir, const std::string& agent,
                                              torch::nn::Module& networks, torch::optim::Optimizer& optimizer) {
  auto state = read_state(dir, agent);
  if (!state) return std::unexpected(state.error());
  try {
    torch::serialize::InputArchive model;
    model.load_from((dir / "model.pt").string());
    networks.load(model);
    torch::load(optimizer, (dir / "optimizer.pt").string());
  } catch (const std::exception& e) {
    return core::fail_as(core::ErrorKind::Io,
                         "{}: cannot load the checkpoint (was it written for these observation and action sizes?): {}",
                         dir.string(), e.what());
  }
  return state;
}

}  // namespace kestrel::rl
