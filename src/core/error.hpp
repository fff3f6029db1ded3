#pragma once
// Expected failures (bad input, config, I/O, vendor errors) travel as values: Result<T> is
// std::expected<T, Error>. Exceptions are reserved for the process edge (main).
#include <cstdint>
#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace kestrel::core {

// What kind of failure, so that callers (a live node above all) decide what to do — retry,
// reconcile, stop — without matching message strings.
enum class ErrorKind : std::uint8_t {
  Internal,     // a bug or an impossible state
  Config,       // a configuration the user must fix
  Io,           // files, the store
  Rejected,     // a venue or the order store refused a request
  Denied,       // the risk manager or the entry gate refused an order
  Unavailable,  // a service could not be reached, or the outcome of a request is unknown
  Throttled,    // a rate limit: retry later
  NotFound,     // no such order, instrument or record
};

struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::Internal;
};

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

// fail("{}:{}: bad field", file, line) -> std::unexpected<Error>, convertible to any Result.
template <class... Args>
[[nodiscard]] std::unexpected<Error> fail(fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...)});
}

// The same with a kind.
template <class... Args>
[[nodiscard]] std::unexpected<Error> fail_as(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...), kind});
}

}  // namespace kestrel::core
