#include "support/headless_browser.hpp"

#include "support/base64.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kestrel::testing {

using nlohmann::json;

std::filesystem::path find_chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

HeadlessBrowser::HeadlessBrowser(const std::filesystem::path& profile_dir, int width, int height) {
  const auto chromium = find_chromium();
  if (chromium.empty()) {
    error_ = "chromium is not installed";
    return;
  }
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  const std::string profile = "--user-data-dir=" + profile_dir.string();
  const std::string size = "--window-size=" + std::to_string(width) + "," + std::to_string(height);
  std::vector<std::string> args = {chromium.string(), "--headless", "--no-sandbox", "--disable-gpu",
                                   "--disable-quic", "--no-first-run", "--disable-background-networking",
                                   "--disable-component-update", "--disable-sync", "--disable-extensions",
                                   "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                                   "--remote-debugging-pipe", profile, size, "about:blank"};
  pid_ = fork();
  if (pid_ == 0) {
    // The child: the protocol on fds 3 (commands in) and 4 (replies out); Chromium's own
    // chatter on stderr goes nowhere.
    // (Moved above 4 first: a pipe end may itself be fd 3 or 4.)
    const int in = fcntl(to_child[0], F_DUPFD, 10);
    const int out = fcntl(from_child[1], F_DUPFD, 10);
    dup2(in, 3);
    dup2(out, 4);
    const int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  to_browser_ = to_child[1];
  from_browser_ = from_child[0];
  if (pid_ < 0) {
    error_ = std::string("fork: ") + std::strerror(errno);
    return;
  }
  // One tab, attached with its own session id so page commands and events are routed to it.
  const auto target = call("Target.createTarget", {{"url", "about:blank"}}, false);
  if (!target) return;
  const auto attached =
      call("Target.attachToTarget", {{"targetId", (*target)["targetId"]}, {"flatten", true}}, false);
  if (!attached) return;
  session_ = (*attached)["sessionId"].get<std::string>();
  for (const char* domain : {"Runtime.enable", "Page.enable", "Log.enable"}) {
    if (!call(domain, json::object())) return;
  }
}

HeadlessBrowser::~HeadlessBrowser() {
  if (to_browser_ >= 0) close(to_browser_);
  if (from_browser_ >= 0) close(from_browser_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool HeadlessBrowser::read_message(json& message, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (const auto end = buffer_.find('\0'); end != std::string::npos) {
      message = json::parse(buffer_.substr(0, end), nullptr, false);
      buffer_.erase(0, end + 1);
      return !message.is_discarded();
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = from_browser_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    const ssize_t n = read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void HeadlessBrowser::note_event(const json& m) {
  const std::string method = m.value("method", "");
  const json& p = m.contains("params") ? m["params"] : json::object();
  if (method == "Runtime.consoleAPICalled") {
    std::string text = p.value("type", "log") + ":";
    for (const auto& arg : p.value("args", json::array())) {
      text += " " + (arg.contains("value") ? arg["value"].dump() : arg.value("description", ""));
    }
    console_.push_back("console " + text);
  } else if (method == "Runtime.exceptionThrown") {
    const auto& details = p["exceptionDetails"];
    std::string text = details.value("text", "exception");
    if (details.contains("exception")) text += " " + details["exception"].value("description", "");
    console_.push_back("exception: " + text);
  } else if (method == "Log.entryAdded") {
    const auto& entry = p["entry"];
    console_.push_back("log " + entry.value("level", "") + ": " + entry.value("text", "") + " " + entry.value("url", ""));
  } else if (method == "Page.loadEventFired") {
    loaded_ = true;
  }
}

std::optional<json> HeadlessBrowser::call(const std::string& method, const json& params, bool in_page,
                                          std::chrono::milliseconds timeout) {
  if (!error_.empty()) return std::nullopt;
  const int id = next_id_++;
  json command = {{"id", id}, {"method", method}, {"params", params}};
  if (in_page) command["sessionId"] = session_;
  const std::string text = command.dump() + '\0';
  for (std::size_t sent = 0; sent < text.size();) {
    const ssize_t n = write(to_browser_, text.data() + sent, text.size() - sent);
    if (n <= 0) {
      error_ = "chromium closed its debugging pipe";
      return std::nullopt;
    }
    sent += static_cast<std::size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json message;
  while (read_message(message, deadline)) {
    if (message.value("id", 0) != id) {
      note_event(message);
      continue;
    }
    if (message.contains("error")) {
      error_ = method + ": " + message["error"].dump();
      return std::nullopt;
    }
    return message.value("result", json::object());
  }
  error_ = method + ": no answer from chromium";
  return std::nullopt;
}

bool HeadlessBrowser::navigate(const std::string& url) {
  loaded_ = false;
  if (!call("Page.navigate", {{"url", url}})) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  json message;
  while (!loaded_ && read_message(message, deadline)) note_event(message);
  if (!loaded_) error_ = "no load event from " + url;
  return loaded_;
}

std::optional<json> HeadlessBrowser::evaluate(const std::string& expression) {
  const auto r = call("Runtime.evaluate", {{"expression", expression}, {"awaitPromise", true}, {"returnByValue", true}});
  if (!r) return std::nullopt;
  if (r->contains("exceptionDetails")) {
    error_ = "script threw: " + (*r)["exceptionDetails"].dump();
    return std::nullopt;
  }
  const json& result = (*r)["result"];
  return result.contains("value") ? result["value"] : json(nullptr);
}

bool HeadlessBrowser::wait_for(const std::string& expression, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto v = evaluate("Boolean(" + expression + ")");
    if (!v) return false;
    if (v->is_boolean() && v->get<bool>()) return true;
    // Pass the time reading events, so console messages are collected meanwhile.
    json message;
    if (read_message(message, std::chrono::steady_clock::now() + std::chrono::milliseconds(100))) note_event(message);
  }
  return false;
}


std::optional<std::string> HeadlessBrowser::screenshot() {
  const auto r = call("Page.captureScreenshot", {{"format", "png"}, {"captureBeyondViewport", true}});
  if (!r) return std::nullopt;
  return base64_decode((*r)["data"].get<std::string>());
}

}  // namespace kestrel::testing
