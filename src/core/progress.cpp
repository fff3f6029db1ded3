#include "core/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace kestrel::core {

ProgressBar::ProgressBar(std::string label, std::size_t total, bool enabled)
    : label_(std::move(label)),
      total_(total),
      enabled_(enabled && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(std::size_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (enabled_) draw(false);
}

void ProgressBar::set_status(std::string status) {
  std::lock_guard lock(mutex_);
  status_ = std::move(status);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  draw(true);
  std::lock_guard lock(mutex_);
  if (!finished_) std::fputc('\n', stderr);
  finished_ = true;
}

void ProgressBar::draw(bool force) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const std::size_t done = done_.load(std::memory_order_relaxed);
  const double fraction = total_ == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total_);
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  fmt::print(stderr, "\r{} [{}] {}/{} {:.1f}s {}\x1b[K", label_, bar, done, total_, elapsed, status_);
  std::fflush(stderr);
}

}  // namespace kestrel::core
