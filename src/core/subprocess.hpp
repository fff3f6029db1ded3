#pragma once
// Running another program (pg_dump, pg_restore) and collecting what it printed. The
// environment can be extended for the child only — how a password reaches a PostgreSQL tool
// without appearing on its command line, where `ps` would show it.
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace kestrel::core {

struct ProgramResult {
  int exit_code = 0;   // 128 + signal when it was killed; 127 when it could not be started
  std::string output;  // stdout and stderr together
};

// Runs argv[0] (looked up in PATH) with `argv`, waits for it, and returns its exit code and
// output. Fails only when no process could be made.
Result<ProgramResult> run_program(const std::vector<std::string>& argv,
                                  const std::vector<std::pair<std::string, std::string>>& extra_env = {});

}  // namespace kestrel::core
