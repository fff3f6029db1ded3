#include "live/json_lines_log.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "live/live_clock.hpp"

namespace kestrel::live {

core::Result<std::unique_ptr<JsonLinesLog>> JsonLinesLog::open(JsonLogSettings settings, const core::Clock& clock) {
  if (settings.max_bytes < 1024) return core::fail_as(core::ErrorKind::Config, "log: rotate at 1 KiB or more");
  if (settings.keep < 1) return core::fail_as(core::ErrorKind::Config, "log: keep at least one rotated file");
  // Longest first, so that a secret containing another is replaced whole.
  std::erase(settings.secrets, std::string());
  std::sort(settings.secrets.begin(), settings.secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::unique_ptr<JsonLinesLog> log(new JsonLinesLog(std::move(settings), clock));
  std::error_code ec;
  if (const auto dir = log->settings_.path.parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
  log->out_.open(log->settings_.path, std::ios::app | std::ios::binary);
  if (!log->out_) return core::fail_as(core::ErrorKind::Io, "log: cannot open {} for writing", log->settings_.path.string());
  log->size_ = std::filesystem::exists(log->settings_.path, ec) ? std::filesystem::file_size(log->settings_.path, ec) : 0;
  return log;
}

std::string JsonLinesLog::redact(std::string text) const {
  for (const auto& secret : settings_.secrets) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

void JsonLinesLog::redact(nlohmann::json& value) const {
  if (value.is_string()) {
    value = redact(value.get<std::string>());
  } else if (value.is_structured()) {
    for (auto& item : value) redact(item);
  }
}

void JsonLinesLog::rotate() {
  out_.close();
  std::error_code ec;
  const std::string base = settings_.path.string();
  std::filesystem::remove(base + "." + std::to_string(settings_.keep), ec);
  for (int k = settings_.keep - 1; k >= 1; --k) {
    std::filesystem::rename(base + "." + std::to_string(k), base + "." + std::to_string(k + 1), ec);
  }
  std::filesystem::rename(settings_.path, base + ".1", ec);
  out_.open(settings_.path, std::ios::trunc | std::ios::binary);
  size_ = 0;
}

void JsonLinesLog::write(std::string_view level, std::string_view message, const nlohmann::json& fields) {
  nlohmann::json line = fields.is_object() ? fields : nlohmann::json::object();
  line["ts"] = iso_time(clock_.now());
  line["level"] = level;
  line["msg"] = message;
  redact(line);
  // Invalid UTF-8 (a vendor's bytes) is replaced rather than refused: a log line must not throw.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  if (size_ > 0 && size_ + text.size() > settings_.max_bytes) rotate();
  out_ << text;
  out_.flush();
  size_ += text.size();
}

}  // namespace kestrel::live
