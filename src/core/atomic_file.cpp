#include "core/atomic_file.hpp"

#include <fstream>

namespace kestrel::core {

Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const auto partial = std::filesystem::path(path.string() + ".partial");
  std::ofstream out(partial, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return fail_as(ErrorKind::Io, "cannot write {}", partial.string());
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) return fail_as(ErrorKind::Io, "cannot write {}: {}", path.string(), ec.message());
  return {};
}

}  // namespace kestrel::core
