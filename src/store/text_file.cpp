#include "store/text_file.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace kestrel::store {

core::Result<std::string> read_text_file(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return core::fail("{}: cannot open: {}", path.string(), std::strerror(errno));
  }
  std::unique_ptr<gzFile_s, int (*)(gzFile)> guard(file, gzclose);
  gzbuffer(file, 1 << 17);
  std::string text;
  std::error_code ec;
  const auto size_on_disk = std::filesystem::file_size(path, ec);
  if (!ec) text.reserve(static_cast<std::size_t>(size_on_disk) * 4);
  char buffer[1 << 16];
  for (;;) {
    const int n = gzread(file, buffer, sizeof buffer);
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file, &code);
      return core::fail("{}: cannot read (corrupt gzip?): {}", path.string(), message);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  // gzread stops quietly at a truncated gzip stream; gzerror tells us.
  int code = 0;
  const char* message = gzerror(file, &code);
  if (code != Z_OK && code != Z_STREAM_END) {
    return core::fail("{}: cannot read (corrupt gzip?): {}", path.string(), message);
  }
  return text;
}

}  // namespace kestrel::store
