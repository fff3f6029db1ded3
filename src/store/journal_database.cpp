#include "store/journal_database.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include <fmt/format.h>

#include "core/loadable_module.hpp"

namespace kestrel::store {

std::int64_t SqlRow::int64(std::size_t col) const {
  const SqlValue& v = values.at(col);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::int64_t n = 0;
    std::from_chars(s->data(), s->data() + s->size(), n);
    return n;
  }
  return 0;
}

double SqlRow::real(std::size_t col) const {
  const SqlValue& v = values.at(col);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  if (const auto* s = std::get_if<std::string>(&v)) {
    double d = 0;
    std::from_chars(s->data(), s->data() + s->size(), d);
    return d;
  }
  return 0;
}

std::string SqlRow::text(std::size_t col) const {
  const SqlValue& v = values.at(col);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);  // reads back exactly
  return {};
}

core::Result<std::unique_ptr<JournalDatabase>> open_journal_database(const std::string& location,
                                                                   JournalDatabase::Durability durability) {
  return is_postgres_location(location) ? open_postgres_journal_database(location, durability)
                                        : open_sqlite_journal_database(location, durability);
}

namespace {

using OpenFn = JournalDatabase* (*)(const std::string*, int, std::string*, int*);
using AbiFn = int (*)();

}  // namespace

core::Result<std::unique_ptr<JournalDatabase>> open_postgres_journal_database(const std::string& url,
                                                                            JournalDatabase::Durability durability) {
  static std::once_flag once;
  static OpenFn open = nullptr;
  static std::string why;
  std::call_once(once, [] {
    const core::LoadedModule m =
        core::load_module("kestrel-postgres.so", "KESTREL_POSTGRES_LIB", KESTREL_POSTGRES_BUILD_PATH);
    auto abi = reinterpret_cast<AbiFn>(m.symbol("kestrel_postgres_abi_version"));
    open = reinterpret_cast<OpenFn>(m.symbol("kestrel_postgres_open"));
    if (m.handle == nullptr) {
      why = m.error;
    } else if (abi == nullptr || open == nullptr || abi() != 1) {
      open = nullptr;
      why = "kestrel-postgres.so: not a PostgreSQL module of this kestrel (rebuild it)";
    }
  });
  if (open == nullptr) {
    return core::fail_as(core::ErrorKind::Unavailable, "{}: a journal in PostgreSQL needs the libpq module: {}",
                         redacted_location(url), why);
  }
  std::string error;
  int kind = 0;
  JournalDatabase* db = open(&url, static_cast<int>(durability), &error, &kind);
  if (db == nullptr) return std::unexpected(core::Error{error, static_cast<core::ErrorKind>(kind)});
  return std::unique_ptr<JournalDatabase>(db);
}

bool is_postgres_location(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::vector<UrlPassword> url_passwords(std::string_view url) {
  std::vector<UrlPassword> out;
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return out;
  // scheme://user:password@host…: between the first ':' after the scheme and the '@' that ends
  // the user information.
  const std::size_t start = scheme + 3;
  const std::size_t at = url.find('@', start);
  const std::size_t slash = url.find('/', start);
  if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
    const std::size_t colon = url.find(':', start);
    if (colon != std::string_view::npos && colon < at) out.push_back({colon + 1, at, false});
  }
  for (const std::string_view key : {"?password=", "&password="}) {
    if (const std::size_t p = url.find(key); p != std::string_view::npos) {
      const std::size_t value = p + key.size();
      out.push_back({value, std::min(url.find('&', value), url.size()), true});
    }
  }
  return out;
}

std::string redacted_location(std::string_view location) {
  if (!is_postgres_location(location)) return std::string(location);
  std::string out(location);
  const auto passwords = url_passwords(location);
  for (auto p = passwords.rbegin(); p != passwords.rend(); ++p) out.replace(p->begin, p->end - p->begin, "***");
  return out;
}

}  // namespace kestrel::store
