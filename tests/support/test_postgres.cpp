#include "support/test_postgres.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace kestrel::testing {

std::string fresh_postgres_database() {
  const std::string state = KESTREL_TEST_POSTGRES_STATE;
  std::ifstream in(state + "/url");
  std::string server;
  if (!in || !std::getline(in, server) || server.empty()) {
    throw std::runtime_error(fmt::format(
        "no test PostgreSQL server ({}/url missing): run the tests through ctest, or start one with "
        "`bash tests/support/postgres_server.sh start {}`",
        state, state));
  }
  static std::atomic<int> counter{0};
  const std::string name = fmt::format("kestrel_test_{}_{}", ::getpid(), counter++);
  pqxx::connection admin(server);
  pqxx::nontransaction tx(admin);
  tx.exec("DROP DATABASE IF EXISTS " + name);
  tx.exec("CREATE DATABASE " + name);
  // postgresql:///postgres?host=… → postgresql:///NAME?host=…
  const std::size_t slash = server.find(":///") + 4;
  const std::size_t query = server.find('?', slash);
  return server.substr(0, slash) + name + server.substr(query);
}

}  // namespace kestrel::testing
