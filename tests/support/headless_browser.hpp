#pragma once
// Headless Chromium driven through the DevTools protocol over a pipe (--remote-debugging-pipe:
// JSON messages separated by NUL bytes on file descriptors 3 and 4), so a test can load a
// page, run script in it (type into a field, click a button) and read back what the page
// shows, and collect every console message and uncaught exception the page produced.
// Chromium is Debian's `chromium` (scripts/install-deps.sh installs it); no network is used
// beyond the 127.0.0.1 servers the test starts (every other host name is unresolvable).
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

namespace kestrel::testing {

// /usr/bin/chromium (or chromium-browser), or an empty path.
std::filesystem::path find_chromium();

class HeadlessBrowser {
 public:
  // Starts Chromium with a fresh profile under `profile_dir` and opens one blank tab.
  explicit HeadlessBrowser(const std::filesystem::path& profile_dir, int width = 1400, int height = 1000);
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Loads `url` and waits for its load event.
  bool navigate(const std::string& url);
  // Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON, or
  // nullopt when it threw (the exception text goes to error()).
  std::optional<nlohmann::json> evaluate(const std::string& expression);
  // Re-evaluates `expression` until it is truthy or `timeout` passes.
  bool wait_for(const std::string& expression, std::chrono::milliseconds timeout);
  // The page as PNG bytes.
  std::optional<std::string> screenshot();
  // Console messages (any level), uncaught exceptions and failed requests, as "<kind>: text".
  const std::vector<std::string>& console() const { return console_; }

 private:
  std::optional<nlohmann::json> call(const std::string& method, const nlohmann::json& params, bool in_page = true,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool read_message(nlohmann::json& message, std::chrono::steady_clock::time_point deadline);
  void note_event(const nlohmann::json& message);

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  std::string buffer_;
  int next_id_ = 1;
  std::string session_;
  bool loaded_ = false;
  std::vector<std::string> console_;
  std::string error_;
};

}  // namespace kestrel::testing
