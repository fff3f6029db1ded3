#pragma once
#include <string>

namespace kestrel::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and captures its output (for CLI-level tests of `kestrel`).
CommandResult run_command(const std::string& command_line);

}  // namespace kestrel::testing
