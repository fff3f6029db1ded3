#include "dataset/feature_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <zlib.h>

namespace kestrel::dataset {
namespace {

constexpr char kMagic[8] = {'K', 'S', 'T', 'R', 'L', 'F', 'T', 'R'};
constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kChecksumEnd = 16;  // magic + checksum: the checksum covers the rest

struct Header {
  char magic[8];
  std::uint64_t checksum;
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint32_t num_features;
  std::uint32_t num_tickers;
  std::uint32_t num_dates;
  std::uint32_t reserved;
  std::uint64_t strings_offset;
  std::uint64_t values_offset;
  std::uint64_t file_size;
};
static_assert(sizeof(Header) == kHeaderSize);

std::uint64_t crc(const unsigned char* data, std::size_t size, std::uint64_t seed = 0) {
  return crc32_z(static_cast<uLong>(seed), data, size);
}

void append_string(std::vector<unsigned char>& out, const std::string& s) {
  const auto length = static_cast<std::uint32_t>(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(&length);
  out.insert(out.end(), p, p + sizeof(length));
  out.insert(out.end(), s.begin(), s.end());
}

// An open read-only memory map, closed on scope exit.
class Mapping {
 public:
  ~Mapping() {
    if (data_ != nullptr) munmap(const_cast<unsigned char*>(data_), size_);
  }
  core::Status open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return core::fail("{}: cannot open: {}", path.string(), std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kHeaderSize)) {
      ::close(fd);
      return core::fail("{}: not a feature file (shorter than its {}-byte header)", path.string(), kHeaderSize);
    }
    size_ = static_cast<std::size_t>(st.st_size);
    void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return core::fail("{}: cannot map: {}", path.string(), std::strerror(errno));
    data_ = static_cast<const unsigned char*>(p);
    return {};
  }
  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

core::Status write_feature_file(const features::FeatureMatrix& m, const std::filesystem::path& path) {
  if (m.values.size() != m.num_features() * m.num_tickers() * m.num_dates()) {
    return core::fail("{}: feature matrix holds {} values, expected {}", path.string(), m.values.size(),
                      m.num_features() * m.num_tickers() * m.num_dates());
  }
  std::vector<unsigned char> head(kHeaderSize, 0);
  for (core::Date d : m.dates) {
    const std::int32_t days = d.days();
    const auto* p = reinterpret_cast<const unsigned char*>(&days);
    head.insert(head.end(), p, p + sizeof(days));
  }
  const std::uint64_t strings_offset = head.size();
  for (const auto& name : m.names) append_string(head, name);
  for (const auto& ticker : m.tickers) append_string(head, ticker);
  head.resize((head.size() + 63) / 64 * 64, 0);
  const std::uint64_t values_offset = head.size();
  const std::size_t values_bytes = m.values.size() * sizeof(float);

  Header h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kFeatureFileVersion;
  h.header_size = kHeaderSize;
  h.num_features = static_cast<std::uint32_t>(m.num_features());
  h.num_tickers = static_cast<std::uint32_t>(m.num_tickers());
  h.num_dates = static_cast<std::uint32_t>(m.num_dates());
  h.strings_offset = strings_offset;
  h.values_offset = values_offset;
  h.file_size = values_offset + values_bytes;
  std::memcpy(head.data(), &h, sizeof(h));
  std::uint64_t checksum = crc(head.data() + kChecksumEnd, head.size() - kChecksumEnd);
  checksum = crc(reinterpret_cast<const unsigned char*>(m.values.data()), values_bytes, checksum);
  std::memcpy(head.data() + 8, &checksum, sizeof(checksum));

  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return core::fail("{}: cannot create", temp.string());
    out.write(reinterpret_cast<const char*>(head.data()), static_cast<std::streamsize>(head.size()));
    out.write(reinterpret_cast<const char*>(m.values.data()), static_cast<std::streamsize>(values_bytes));
    out.flush();
    if (!out) return core::fail("{}: write failed (disk full?)", temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return core::fail("{}: cannot rename {} over it: {}", path.string(), temp.string(), ec.message());
  return {};
}

core::Result<features::FeatureMatrix> read_feature_file(const std::filesystem::path& path) {
  Mapping map;
  if (auto st = map.open(path); !st) return std::unexpected(st.error());
  Header h{};
  std::memcpy(&h, map.data(), sizeof(h));
  const std::string name = path.string();
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) {
    return core::fail("{}: not a Kestrel feature file (bad magic)", name);
  }
  if (h.version != kFeatureFileVersion) {
    return core::fail("{}: feature file format {} (this build reads {}); rebuild it with `kestrel features build`",
                      name, h.version, kFeatureFileVersion);
  }
  const std::uint64_t values_bytes =
      static_cast<std::uint64_t>(h.num_features) * h.num_tickers * h.num_dates * sizeof(float);
  if (h.file_size != map.size() || h.values_offset + values_bytes != h.file_size ||
      h.strings_offset != kHeaderSize + std::uint64_t{h.num_dates} * 4 || h.strings_offset > h.values_offset) {
    return core::fail("{}: truncated or inconsistent (header says {} bytes, file has {})", name, h.file_size,
                      map.size());
  }
  const std::uint64_t checksum = crc(map.data() + kChecksumEnd, map.size() - kChecksumEnd);
  if (checksum != h.checksum) return core::fail("{}: checksum mismatch: the file is corrupt", name);

  features::FeatureMatrix m;
  m.dates.resize(h.num_dates);
  for (std::size_t t = 0; t < h.num_dates; ++t) {
    std::int32_t days = 0;
    std::memcpy(&days, map.data() + kHeaderSize + 4 * t, 4);
    m.dates[t] = core::Date::from_days(days);
  }
  std::size_t pos = h.strings_offset;
  auto read_string = [&](std::string& out) {
    std::uint32_t length = 0;
    if (pos + 4 > h.values_offset) return false;
    std::memcpy(&length, map.data() + pos, 4);
    pos += 4;
    if (pos + length > h.values_offset) return false;
    out.assign(reinterpret_cast<const char*>(map.data() + pos), length);
    pos += length;
    return true;
  };
  m.names.resize(h.num_features);
  m.tickers.resize(h.num_tickers);
  for (auto& s : m.names) {
    if (!read_string(s)) return core::fail("{}: feature names run past the values section", name);
  }
  for (auto& s : m.tickers) {
    if (!read_string(s)) return core::fail("{}: tickers run past the values section", name);
  }
  m.values.resize(values_bytes / sizeof(float));
  std::memcpy(m.values.data(), map.data() + h.values_offset, values_bytes);
  return m;
}

}  // namespace kestrel::dataset
