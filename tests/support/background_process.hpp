#pragma once
// A child process running a shell command line in its own process group, stopped (SIGTERM to
// the group) when the test ends: a node or a server the test talks to while it runs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace kestrel::testing {

struct BackgroundProcess {
  pid_t pid = -1;
  explicit BackgroundProcess(const std::string& command) {
    pid = fork();
    if (pid == 0) {
      setpgid(0, 0);
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  // Waits for it to end; its exit status, or -1 when a signal ended it.
  int wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ~BackgroundProcess() {
    if (pid > 0) {
      kill(-pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace kestrel::testing
