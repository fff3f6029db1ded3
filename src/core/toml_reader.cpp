#include "core/toml_reader.hpp"

#include <algorithm>

namespace kestrel::core {

bool is_plain_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.size() > 200) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

TomlReader::TomlReader(std::string source, std::filesystem::path base_dir)
    : source_(std::move(source)), base_(std::move(base_dir)) {}

void TomlReader::error(const toml::node* node, std::string_view key, std::string_view message) {
  if (node != nullptr && node->source().begin.line > 0) {
    errors.push_back(fmt::format("{}:{}:{}: {}: {}", source_, node->source().begin.line, node->source().begin.column,
                                 key, message));
  } else {
    errors.push_back(fmt::format("{}: {}: {}", source_, key, message));
  }
}

void TomlReader::number(const toml::node& n, std::string_view key, double& out, double min, double max) {
  const auto v = n.value<double>();  // integers count as numbers
  if (!v || !n.is_number()) return error(&n, key, "expected a number");
  if (!(*v >= min && *v <= max)) return error(&n, key, fmt::format("must be between {} and {}, got {}", min, max, *v));
  out = *v;
}

std::optional<std::int64_t> TomlReader::checked_integer(const toml::node& n, std::string_view key, std::int64_t min) {
  const auto v = n.value_exact<std::int64_t>();
  if (!v) {
    error(&n, key, "expected an integer");
    return std::nullopt;
  }
  if (*v < min) {
    error(&n, key, fmt::format("must be at least {}, got {}", min, *v));
    return std::nullopt;
  }
  return v;
}

void TomlReader::boolean(const toml::node& n, std::string_view key, bool& out) {
  const auto v = n.value_exact<bool>();
  if (!v) return error(&n, key, "expected true or false");
  out = *v;
}

void TomlReader::text(const toml::node& n, std::string_view key, std::string& out) {
  const auto v = n.value_exact<std::string>();
  if (!v) return error(&n, key, "expected a string");
  out = *v;
}

namespace {

// Every element of an array as T, each passing `valid`; otherwise one error, `out` unchanged.
template <class T, class Valid>
void read_array(TomlReader& r, const toml::node& n, std::string_view key, std::vector<T>& out, Valid valid,
                std::string_view expected) {
  const toml::array* a = n.as_array();
  if (a == nullptr) return r.error(&n, key, expected);
  std::vector<T> values;
  for (const auto& item : *a) {
    const auto v = item.value_exact<T>();
    if (!v || !valid(*v)) return r.error(&item, key, expected);
    values.push_back(*v);
  }
  out = std::move(values);
}

}  // namespace

void TomlReader::strings(const toml::node& n, std::string_view key, std::vector<std::string>& out) {
  read_array(*this, n, key, out, [](const std::string&) { return true; }, "expected an array of strings");
}

void TomlReader::positive_integers(const toml::node& n, std::string_view key, std::vector<std::int64_t>& out) {
  read_array(*this, n, key, out, [](std::int64_t v) { return v >= 1; }, "expected an array of positive integers");
}

void TomlReader::date(const toml::node& n, std::string_view key, std::optional<core::Date>& out) {
  if (const auto d = n.value_exact<toml::date>()) {
    out = core::Date::from_ymd(d->year, d->month, d->day);
    return;
  }
  if (const auto s = n.value_exact<std::string>()) {
    if (const auto d = core::Date::parse(*s)) {
      out = *d;
      return;
    }
  }
  error(&n, key, "expected a date YYYY-MM-DD");
}

int TomlReader::choice(const toml::node& n, std::string_view key, std::initializer_list<std::string_view> choices) {
  if (const auto v = n.value_exact<std::string>()) {
    const auto it = std::find(choices.begin(), choices.end(), *v);
    if (it != choices.end()) return static_cast<int>(it - choices.begin());
  }
  std::string list;
  for (const auto c : choices) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", c);
  error(&n, key, fmt::format("expected one of {}", list));
  return -1;
}

void TomlReader::only(const toml::table& t, std::string_view path, std::initializer_list<std::string_view> known) {
  for (const auto& [key, node] : t) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) error(&node, join(path, key.str()), "unknown key");
  }
}

const toml::table* TomlReader::table(const toml::table& t, std::string_view key, std::string_view path) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) {
    error(n, join(path, key), "expected a table");
    return nullptr;
  }
  return n->as_table();
}

void TomlReader::path_value(const toml::table& t, std::string_view key, std::string_view path,
                            std::filesystem::path& out) {
  std::string s;
  text(t, key, path, s);
  if (s.empty()) return;
  const std::filesystem::path p = s;
  out = p.is_relative() ? base_ / p : p;
}

void TomlReader::location_value(const toml::table& t, std::string_view key, std::string_view path, std::string& out) {
  std::string s;
  text(t, key, path, s);
  if (s.empty()) return;
  if (s.find("://") != std::string::npos) {
    out = s;
    return;
  }
  const std::filesystem::path p = s;
  out = (p.is_relative() ? base_ / p : p).string();
}

}  // namespace kestrel::core
