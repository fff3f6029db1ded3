#pragma once
// Expected failures (bad input, config, I/O, vendor errors) travel as values: Result<T> is
// std::expected<T, Error>. Exceptions are reserved for the process edge (main).
#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace kestrel::core {

struct Error {
  std::string message;
};

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

// fail("{}:{}: bad field", file, line) -> std::unexpected<Error>, convertible to any Result.
template <class... Args>
[[nodiscard]] std::unexpected<Error> fail(fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...)});
}

}  // namespace kestrel::core
