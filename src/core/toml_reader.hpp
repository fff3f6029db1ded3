#pragma once
// Reads typed values out of a TOML config, collecting every problem instead of stopping at
// the first, each as "file:line:column: dotted.key: what is wrong" — the one reader behind
// the backtest, pipeline and model configs.
//
// Two ways in: by key in a table (`t`, `key`, the table's dotted `path`; an absent key keeps
// the caller's default), or by node with its full dotted key (for callers that walk a
// table's entries themselves). Wrong types and out-of-range values leave `out` unchanged.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/date.hpp"

namespace kestrel::core {

bool is_plain_name(std::string_view name);

// "path.key", or "key" at the root.
std::string join(std::string_view path, std::string_view key);

class TomlReader {
 public:
  // `source` names the file in messages; relative paths (path_value) resolve against `base_dir`.
  explicit TomlReader(std::string source, std::filesystem::path base_dir = {});

  std::vector<std::string> errors;
  const std::string& source() const { return source_; }

  void error(const toml::node* node, std::string_view key, std::string_view message);

  // ---- by node; `key` is the full dotted key --------------------------------------------
  void number(const toml::node& n, std::string_view key, double& out, double min, double max);
  template <class Int>
  void count(const toml::node& n, std::string_view key, Int& out, std::int64_t min) {
    if (auto v = checked_integer(n, key, min)) out = static_cast<Int>(*v);
  }
  void boolean(const toml::node& n, std::string_view key, bool& out);
  void text(const toml::node& n, std::string_view key, std::string& out);
  void strings(const toml::node& n, std::string_view key, std::vector<std::string>& out);
  void positive_integers(const toml::node& n, std::string_view key, std::vector<std::int64_t>& out);
  void date(const toml::node& n, std::string_view key, std::optional<core::Date>& out);
  // Index of the value in `choices`, or -1 (and an error) when it is not one of them.
  int choice(const toml::node& n, std::string_view key, std::initializer_list<std::string_view> choices);

  // ---- by key in a table; `path` is the table's dotted key ("" at the root) -------------
  void only(const toml::table& t, std::string_view path, std::initializer_list<std::string_view> known);
  const toml::table* table(const toml::table& t, std::string_view key, std::string_view path);
  void number(const toml::table& t, std::string_view key, std::string_view path, double& out, double min, double max) {
    if (const auto* n = t.get(key)) number(*n, join(path, key), out, min, max);
  }
  template <class Int>
  void count(const toml::table& t, std::string_view key, std::string_view path, Int& out, std::int64_t min) {
    if (const auto* n = t.get(key)) count(*n, join(path, key), out, min);
  }
  void boolean(const toml::table& t, std::string_view key, std::string_view path, bool& out) {
    if (const auto* n = t.get(key)) boolean(*n, join(path, key), out);
  }
  // A name that becomes a file or folder name: letters, digits, '.', '_' and '-', not starting
  // with '.', so that an output folder derived from it stays where it is put.
  void plain_name(const toml::table& t, std::string_view key, std::string_view path, std::string& out) {
    const auto* n = t.get(key);
    if (n == nullptr) return;
    text(*n, join(path, key), out);
    if (!is_plain_name(out)) {
      error(n, join(path, key),
            "must be a plain name (letters, digits, '.', '_', '-'; not starting with '.'): it names output folders");
    }
  }
  void text(const toml::table& t, std::string_view key, std::string_view path, std::string& out) {
    if (const auto* n = t.get(key)) text(*n, join(path, key), out);
  }
  void strings(const toml::table& t, std::string_view key, std::string_view path, std::vector<std::string>& out) {
    if (const auto* n = t.get(key)) strings(*n, join(path, key), out);
  }
  void date(const toml::table& t, std::string_view key, std::string_view path, std::optional<core::Date>& out) {
    if (const auto* n = t.get(key)) date(*n, join(path, key), out);
  }
  int choice(const toml::table& t, std::string_view key, std::string_view path,
             std::initializer_list<std::string_view> choices) {
    const auto* n = t.get(key);
    return n == nullptr ? -1 : choice(*n, join(path, key), choices);
  }
  // A string holding a path; relative ones resolve against the base folder.
  void path_value(const toml::table& t, std::string_view key, std::string_view path, std::filesystem::path& out);
  // A string holding a path (resolved as path_value does) or a URL (scheme://…, kept as written).
  void location_value(const toml::table& t, std::string_view key, std::string_view path, std::string& out);

 private:
  std::optional<std::int64_t> checked_integer(const toml::node& n, std::string_view key, std::int64_t min);

  std::string source_;
  std::filesystem::path base_;
};

}  // namespace kestrel::core
