#include "store/postgres_backup.hpp"

#include <cctype>

#include <fmt/format.h>

#include "core/subprocess.hpp"
#include "store/journal_database.hpp"

namespace kestrel::store {
namespace {

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// A URL split into what may be shown (on a command line) and its password.
struct Connection {
  std::string url;       // without the password
  std::string password;  // decoded; empty when none
  std::string database;  // for file names
};

Connection split(const std::string& url) {
  Connection c{url, "", ""};
  const auto passwords = url_passwords(url);
  for (auto p = passwords.rbegin(); p != passwords.rend(); ++p) {
    if (c.password.empty()) c.password = percent_decoded(std::string_view(url).substr(p->begin, p->end - p->begin));
    if (!p->in_query) {
      c.url.erase(p->begin - 1, p->end - p->begin + 1);  // ":password"
      continue;
    }
    // "password=…" and the separator that joined it.
    const std::size_t key = p->begin - std::string_view("password=").size();
    const bool first = c.url[key - 1] == '?';
    const std::size_t from = first ? key : key - 1;
    const std::size_t to = first && p->end < c.url.size() ? p->end + 1 : p->end;
    c.url.erase(from, to - from);
    if (c.url.ends_with('?')) c.url.pop_back();
  }
  const std::size_t start = url.find("://") + 3;
  const std::size_t path = c.url.find('/', start);
  if (path != std::string::npos) {
    const std::size_t end = c.url.find('?', path);
    c.database = c.url.substr(path + 1, end == std::string::npos ? std::string::npos : end - path - 1);
  }
  if (c.database.empty()) c.database = "journal";
  return c;
}

// Runs a PostgreSQL tool; its output in the error when it fails. The password goes in the
// child's environment only.
core::Status run_tool(const std::vector<std::string>& argv, const Connection& c, const std::string& what) {
  std::vector<std::pair<std::string, std::string>> env;
  if (!c.password.empty()) env.emplace_back("PGPASSWORD", c.password);
  auto r = core::run_program(argv, env);
  if (!r) return std::unexpected(r.error());
  if (r->exit_code != 0) {
    std::string output = r->output;
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    if (r->exit_code == 127 && output.find("cannot run") != std::string::npos) {
      output += " (install the postgresql-client package)";
    }
    return core::fail_as(core::ErrorKind::Io, "{}: {} failed (exit {}): {}", what, argv[0], r->exit_code, output);
  }
  return {};
}

core::Status check_archive(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) {
    return core::fail_as(core::ErrorKind::NotFound, "{}: no such file", file.string());
  }
  // Reads every block of the archive (as a restore would), not only its table of contents.
  return run_tool({"pg_restore", "--file=/dev/null", file.string()}, Connection{}, file.string());
}

core::Result<BackupResult> dump(const std::string& url, const std::filesystem::path& dir, const std::string& suffix) {
  const Connection c = split(url);
  if (auto s = make_backup_folder(dir); !s) return std::unexpected(s.error());
  std::error_code ec;
  BackupResult result;
  result.file = dir / fmt::format("{}{}-{}.pgdump", c.database, suffix, backup_stamp());
  if (std::filesystem::exists(result.file)) {
    return core::fail_as(core::ErrorKind::Config, "{}: already exists", result.file.string());
  }
  const auto partial = std::filesystem::path(result.file.string() + ".partial");
  std::filesystem::remove(partial, ec);
  auto done = run_tool({"pg_dump", "--format=custom", "--no-password", "--file=" + partial.string(), "--dbname=" + c.url},
                       c, redacted_location(url));
  if (done) done = check_archive(partial);
  if (!done) {
    std::filesystem::remove(partial, ec);
    return std::unexpected(done.error());
  }
  std::filesystem::rename(partial, result.file, ec);
  if (ec) return core::fail_as(core::ErrorKind::Io, "{}: cannot rename into place: {}", result.file.string(), ec.message());
  result.bytes = std::filesystem::file_size(result.file);
  return result;
}

}  // namespace

core::Result<BackupResult> backup_postgres(const std::string& url, const std::filesystem::path& dir) {
  return dump(url, dir, "");
}

core::Result<std::filesystem::path> restore_postgres(const std::filesystem::path& backup, const std::string& url,
                                                     bool replace) {
  if (auto s = check_archive(backup); !s) return std::unexpected(s.error());
  auto db = open_postgres_journal_database(url, JournalDatabase::Durability::Full);
  if (!db) return std::unexpected(db.error());
  auto tables = (*db)->query("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()", {});
  if (!tables) return std::unexpected(tables.error());
  db->reset();  // the restore must not wait for this connection
  std::filesystem::path saved;
  if (tables->front().int64(0) > 0) {
    if (!replace) {
      return core::fail_as(core::ErrorKind::Config,
                           "{}: holds tables; add --replace to restore over it (its content is saved first)",
                           redacted_location(url));
    }
    const auto folder = backup.has_parent_path() ? backup.parent_path() : std::filesystem::path(".");
    auto before = dump(url, folder, "-before-restore");
    if (!before) return std::unexpected(before.error());
    saved = before->file;
  }
  const Connection c = split(url);
  if (auto s = run_tool({"pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                         "--no-owner", "--no-privileges", "--no-password", "--dbname=" + c.url, backup.string()},
                        c, redacted_location(url));
      !s) {
    return std::unexpected(s.error());
  }
  return saved;
}

}  // namespace kestrel::store
