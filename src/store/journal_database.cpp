#include "store/journal_database.hpp"

#include <charconv>

#include <fmt/format.h>

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

bool is_postgres_location(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string redacted_location(std::string_view location) {
  if (!is_postgres_location(location)) return std::string(location);
  // scheme://user:password@host…: the password is between the first ':' after the scheme
  // and the '@' that ends the user information.
  const std::size_t start = location.find("://") + 3;
  const std::size_t at = location.find('@', start);
  const std::size_t slash = location.find('/', start);
  std::string out(location);
  if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash)) {
    const std::size_t colon = location.find(':', start);
    if (colon != std::string_view::npos && colon < at) out = std::string(location.substr(0, colon + 1)) + "***" +
                                                             std::string(location.substr(at));
  }
  // A password may also come as a query parameter (…?password=…).
  for (const std::string_view key : {"?password=", "&password="}) {
    if (const std::size_t p = out.find(key); p != std::string::npos) {
      const std::size_t value = p + key.size();
      const std::size_t end = out.find('&', value);
      out.replace(value, end == std::string::npos ? std::string::npos : end - value, "***");
    }
  }
  return out;
}

}  // namespace kestrel::store
