#pragma once
// A terminal progress bar for anything that may take more than a second. It draws on stderr
// only when stderr is a terminal (so logs and CI output stay clean), at most ~10 times a
// second, and is safe to advance from several threads.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace kestrel::core {

class ProgressBar {
 public:
  ProgressBar(std::string label, std::size_t total, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void advance(std::size_t n = 1);
  // Free text after the counter, e.g. "loss 0.693".
  void set_status(std::string status);
  void finish();

 private:
  void draw(bool force);

  std::string label_;
  std::size_t total_;
  bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
  std::string status_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool finished_ = false;
};

}  // namespace kestrel::core
