#include "store/text_file.hpp"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

namespace kestrel::store {
namespace {

// The streaming reader: handles everything (plain text, multi-member gzip, corrupt or
// truncated streams) and words the errors.
core::Result<std::string> read_with_zlib(const std::filesystem::path& path) {
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

// The whole file's bytes, or nothing on any failure (the zlib path then reports it).
std::optional<std::string> read_bytes(const std::filesystem::path& path) {
  struct Descriptor {
    int fd;
    ~Descriptor() {
      if (fd >= 0) ::close(fd);
    }
  } file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  const int fd = file.fd;
  if (fd < 0) return std::nullopt;
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  std::string bytes;
  bool ok = true;
  bytes.resize_and_overwrite(static_cast<std::size_t>(info.st_size), [&](char* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = ::read(fd, data + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ok = done == size;
    return done;
  });
  if (!ok) return std::nullopt;
  return bytes;
}

// One gzip member decompressed in a single call, or nothing when libdeflate cannot take the
// stream whole (corrupt, truncated, several members, trailing bytes).
std::optional<std::string> inflate_whole(std::string_view gz) {
  // ISIZE, the last four bytes, is the uncompressed size modulo 2^32: exact for a single
  // member under 4 GiB, which is what whole-buffer decompression is for.
  std::uint32_t size = 0;
  std::memcpy(&size, gz.data() + gz.size() - 4, 4);
  std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> decompressor(
      libdeflate_alloc_decompressor(), libdeflate_free_decompressor);
  if (!decompressor) return std::nullopt;
  std::string text;
  bool ok = false;
  text.resize_and_overwrite(size, [&](char* out, std::size_t capacity) {
    std::size_t used_in = 0, used_out = 0;
    ok = libdeflate_gzip_decompress_ex(decompressor.get(), gz.data(), gz.size(), out, capacity, &used_in,
                                       &used_out) == LIBDEFLATE_SUCCESS &&
         used_in == gz.size() && used_out == capacity;
    return ok ? used_out : 0;
  });
  if (!ok) return std::nullopt;
  return text;
}

}  // namespace

core::Result<std::string> read_text_file(const std::filesystem::path& path) {
  auto bytes = read_bytes(path);
  if (!bytes) return read_with_zlib(path);
  // Like gzread, pass text that is not gzip through unchanged.
  if (!bytes->starts_with("\x1f\x8b")) return std::move(*bytes);
  if (bytes->size() >= 18) {
    if (auto text = inflate_whole(*bytes)) return std::move(*text);
  }
  return read_with_zlib(path);
}

}  // namespace kestrel::store
