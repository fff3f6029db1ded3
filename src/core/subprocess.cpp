#include "core/subprocess.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

extern char** environ;

namespace kestrel::core {

Result<ProgramResult> run_program(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<std::string, std::string>>& extra_env) {
  if (argv.empty()) return fail("run_program: no program");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The child's environment is built here: between fork and exec only async-signal-safe calls
  // are allowed (no setenv, no allocation), since other threads may hold the allocator's lock.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool replaced = false;
    for (const auto& [key, value] : extra_env) replaced = replaced || entry.starts_with(key + "=");
    if (!replaced) env_strings.emplace_back(entry);
  }
  for (const auto& [key, value] : extra_env) env_strings.push_back(key + "=" + value);
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  const std::string cannot_run = "cannot run " + argv[0] + ": ";
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return fail_as(ErrorKind::Io, "{}: cannot make a pipe: {}", argv[0], std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return fail_as(ErrorKind::Io, "{}: cannot start: {}", argv[0], std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::execvpe(args[0], args.data(), env.data());
    const char* reason = std::strerror(errno);
    (void)!::write(STDERR_FILENO, cannot_run.data(), cannot_run.size());
    (void)!::write(STDERR_FILENO, reason, std::strlen(reason));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProgramResult result;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace kestrel::core
