// The model registry's part of the market store (store/model_registry.hpp).
#include "store/model_registry.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <span>

#include <fmt/format.h>

#include "core/checksum.hpp"
#include "store/market_store.hpp"

namespace kestrel::store {
namespace {

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

core::Result<std::string> model_files_checksum(const std::filesystem::path& dir) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); !ec && it != std::filesystem::end(it);
       it.increment(ec)) {
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return core::fail("{}: cannot list the model's files: {}", dir.string(), ec.message());
  if (files.empty()) return core::fail("{}: no model files", dir.string());
  std::sort(files.begin(), files.end());
  std::uint64_t h = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return core::fail("{}: cannot read", f.string());
    const std::string name = std::filesystem::relative(f, dir).generic_string();
    h = core::xxh64(std::as_bytes(std::span(name.data(), name.size())), h);
    h = core::xxh64(std::as_bytes(std::span(bytes.data(), bytes.size())), h);
  }
  return fmt::format("{:016x}", h);
}

core::Result<std::int64_t> MarketStore::register_model(const RegisteredModel& m, std::int64_t replaced_id,
                                                       const std::string& replaced_status) {
  auto tx = sqlite::Transaction::begin(db_);
  if (!tx) return std::unexpected(tx.error());
  auto older = db_.prepare("UPDATE models SET status = 'overwritten' WHERE path = ? AND status != 'overwritten'");
  if (!older) return std::unexpected(older.error());
  older->bind(1, m.path);
  if (auto r = older->step(); !r) return std::unexpected(r.error());
  auto insert = db_.prepare(
      "INSERT INTO models(name, kind, path, files_checksum, config_hash, store_id, data_version, label, train_begin, "
      "train_end, features, metrics, created_at, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id");
  if (!insert) return std::unexpected(insert.error());
  insert->bind(1, m.name).bind(2, m.kind).bind(3, m.path).bind(4, m.files_checksum).bind(5, m.config_hash);
  insert->bind(6, m.store_id).bind(7, static_cast<std::int64_t>(m.data_version)).bind(8, m.label);
  insert->bind(9, static_cast<std::int64_t>(m.train_begin.days())).bind(10, static_cast<std::int64_t>(m.train_end.days()));
  const std::string features = join_lines(m.features);
  insert->bind(11, features).bind(12, m.metrics).bind(13, m.created_at).bind(14, m.status);
  auto row = insert->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return core::fail("{}: the model was not registered", db_.path().string());
  const std::int64_t id = insert->int64(0);
  insert->reset();  // a RETURNING statement still running would block the commit
  if (replaced_id != 0) {
    if (auto s = set_model_status(replaced_id, replaced_status); !s) return std::unexpected(s.error());
  }
  if (auto s = tx->commit(); !s) return std::unexpected(s.error());
  return id;
}

core::Status MarketStore::set_model_status(std::int64_t id, const std::string& status) {
  auto stmt = db_.prepare("UPDATE models SET status = ? WHERE id = ?");
  if (!stmt) return std::unexpected(stmt.error());
  stmt->bind(1, status).bind(2, id);
  const std::int64_t before = db_.total_changes();
  if (auto r = stmt->step(); !r) return std::unexpected(r.error());
  if (db_.total_changes() - before != 1) return core::fail("{}: no registered model {}", db_.path().string(), id);
  return {};
}

core::Result<std::vector<RegisteredModel>> MarketStore::registered_models() {
  auto version = db_.prepare("PRAGMA user_version");
  if (!version) return std::unexpected(version.error());
  if (auto r = version->step(); !r) return std::unexpected(r.error());
  if (version->int64(0) < 2) return std::vector<RegisteredModel>{};
  auto stmt = db_.prepare(
      "SELECT id, name, kind, path, files_checksum, config_hash, store_id, data_version, label, train_begin, train_end, "
      "features, metrics, created_at, status FROM models ORDER BY id");
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<RegisteredModel> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return std::unexpected(row.error());
    if (!*row) break;
    out.push_back({.id = stmt->int64(0), .name = stmt->text(1), .kind = stmt->text(2), .path = stmt->text(3),
                   .files_checksum = stmt->text(4), .config_hash = stmt->text(5), .store_id = stmt->text(6),
                   .data_version = static_cast<std::uint64_t>(stmt->int64(7)), .label = stmt->text(8),
                   .train_begin = core::Date::from_days(static_cast<std::int32_t>(stmt->int64(9))),
                   .train_end = core::Date::from_days(static_cast<std::int32_t>(stmt->int64(10))),
                   .features = split_lines(stmt->text(11)), .metrics = stmt->text(12), .created_at = stmt->text(13),
                   .status = stmt->text(14)});
  }
  return out;
}

}  // namespace kestrel::store
