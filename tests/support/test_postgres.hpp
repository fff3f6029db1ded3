#pragma once
// The test suite's throwaway PostgreSQL server (tests/support/postgres_server.sh, started by the
// CTest fixture "postgres" before any test that needs it and stopped after the last one).
#include <string>

namespace kestrel::testing {

// A new, empty database on that server, as a postgresql:// URL. Throws std::runtime_error
// naming what to do when the server is not running (a test binary run outside CTest).
std::string fresh_postgres_database();

}  // namespace kestrel::testing
