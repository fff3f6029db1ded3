#pragma once
// The node's structured log: one JSON object per line ({"ts": "…Z", "level": "info",
// "msg": "…", plus fields}), for log shippers and `jq`. Rotated by size: at `max_bytes` the
// file becomes FILE.1 (FILE.1 becomes FILE.2, …, the oldest beyond `keep` is deleted), so a
// node that runs for months cannot fill the disk. Every registered secret (API keys, tokens,
// passwords) is replaced by "***" in every field before the line is written.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace kestrel::live {

struct JsonLogSettings {
  std::filesystem::path path;
  std::size_t max_bytes = std::size_t{10} << 20;
  int keep = 5;
  std::vector<std::string> secrets;  // never written; empty strings are ignored
};

class JsonLinesLog {
 public:
  // Appends to `path` (created with its folder when needed).
  static core::Result<std::unique_ptr<JsonLinesLog>> open(JsonLogSettings settings, const core::Clock& clock);
  // Thread-safe. `fields` (an object) are added to the line; ts, level and msg win over them.
  void write(std::string_view level, std::string_view message, const nlohmann::json& fields = nlohmann::json::object());

 private:
  JsonLinesLog(JsonLogSettings settings, const core::Clock& clock) : settings_(std::move(settings)), clock_(clock) {}
  std::string redact(std::string text) const;
  void redact(nlohmann::json& value) const;
  void rotate();

  JsonLogSettings settings_;
  const core::Clock& clock_;
  std::mutex mutex_;
  std::ofstream out_;
  std::size_t size_ = 0;
};

}  // namespace kestrel::live
