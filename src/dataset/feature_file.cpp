#include "dataset/feature_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "core/checksum.hpp"

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

// Each ticker's stored span of dates: from the first to the last date on which any of its
// features has a value. Outside it every value is NaN and is not stored.
struct StoredRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

std::vector<StoredRange> stored_ranges(const features::FeatureMatrix& m) {
  std::vector<StoredRange> ranges(m.num_tickers());
  tbb::parallel_for(std::size_t{0}, m.num_tickers(), [&](std::size_t i) {
    std::size_t first = m.num_dates();
    std::size_t end = 0;
    for (std::size_t f = 0; f < m.num_features(); ++f) {
      const auto row = m.series(f, i);
      std::size_t a = 0;
      while (a < first && std::isnan(row[a])) ++a;
      first = std::min(first, a);
      std::size_t b = row.size();
      while (b > end && std::isnan(row[b - 1])) --b;
      end = std::max(end, b);
    }
    if (first < end) ranges[i] = {static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(end - first)};
  });
  return ranges;
}

// The checksum: XXH64 of the metadata after the checksum field followed by the XXH64 of each
// (feature, ticker) slice of values, so slices are hashed in parallel and never copied.
std::uint64_t file_checksum(std::span<const unsigned char> metadata, std::size_t num_features,
                            const std::vector<StoredRange>& ranges, const auto& slice) {
  std::vector<std::uint64_t> digests(num_features * ranges.size());
  tbb::parallel_for(std::size_t{0}, num_features, [&](std::size_t f) {
    for (std::size_t i = 0; i < ranges.size(); ++i) digests[f * ranges.size() + i] = core::xxh64(std::as_bytes(slice(f, i)));
  });
  std::vector<std::byte> all(metadata.size() + digests.size() * sizeof(std::uint64_t));
  std::memcpy(all.data(), metadata.data(), metadata.size());
  if (!digests.empty()) std::memcpy(all.data() + metadata.size(), digests.data(), digests.size() * sizeof(std::uint64_t));
  return core::xxh64(all);
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
  const auto ranges = stored_ranges(m);
  std::vector<unsigned char> head(kHeaderSize, 0);
  auto append = [&head](const auto& value) {
    const auto* p = reinterpret_cast<const unsigned char*>(&value);
    head.insert(head.end(), p, p + sizeof(value));
  };
  for (core::Date d : m.dates) append(static_cast<std::int32_t>(d.days()));
  for (const StoredRange& r : ranges) {
    append(r.first);
    append(r.count);
  }
  const std::uint64_t strings_offset = head.size();
  for (const auto& name : m.names) append_string(head, name);
  for (const auto& ticker : m.tickers) append_string(head, ticker);
  head.resize((head.size() + 63) / 64 * 64, 0);
  const std::uint64_t values_offset = head.size();
  std::uint64_t stored = 0;
  for (const StoredRange& r : ranges) stored += r.count;
  const std::uint64_t values_bytes = stored * m.num_features() * sizeof(float);

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
  auto slice = [&](std::size_t f, std::size_t i) { return m.series(f, i).subspan(ranges[i].first, ranges[i].count); };
  const std::uint64_t checksum = file_checksum(std::span(head).subspan(kChecksumEnd), m.num_features(), ranges, slice);
  std::memcpy(head.data() + 8, &checksum, sizeof(checksum));

  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return core::fail("{}: cannot create", temp.string());
    out.write(reinterpret_cast<const char*>(head.data()), static_cast<std::streamsize>(head.size()));
    for (std::size_t f = 0; f < m.num_features(); ++f) {
      for (std::size_t i = 0; i < m.num_tickers(); ++i) {
        const auto values = slice(f, i);
        out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size_bytes()));
      }
    }
    out.flush();
    if (!out) {
      out.close();
      std::filesystem::remove(temp);
      return core::fail("{}: write failed (disk full?)", temp.string());
    }
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
  const std::uint64_t ranges_offset = kHeaderSize + std::uint64_t{h.num_dates} * 4;
  if (h.strings_offset != ranges_offset + std::uint64_t{h.num_tickers} * sizeof(StoredRange) ||
      h.strings_offset > h.values_offset || h.values_offset > map.size()) {
    return core::fail("{}: truncated or inconsistent (header says {} bytes, file has {})", name, h.file_size,
                      map.size());
  }
  std::vector<StoredRange> ranges(h.num_tickers);
  if (!ranges.empty()) std::memcpy(ranges.data(), map.data() + ranges_offset, ranges.size() * sizeof(StoredRange));
  std::uint64_t stored = 0;
  for (const StoredRange& r : ranges) {
    if (std::uint64_t{r.first} + r.count > h.num_dates) return core::fail("{}: a ticker's stored dates run past the dates", name);
    stored += r.count;
  }
  const std::uint64_t values_bytes = stored * h.num_features * sizeof(float);
  if (h.file_size != map.size() || h.values_offset + values_bytes != h.file_size) {
    return core::fail("{}: truncated or inconsistent (header says {} bytes, file has {})", name, h.file_size,
                      map.size());
  }
  // Start of each (feature, ticker) slice, in the order they were written.
  std::vector<std::uint64_t> ticker_start(h.num_tickers);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    ticker_start[i] = running;
    running += ranges[i].count;
  }
  auto slice = [&](std::size_t f, std::size_t i) {
    const auto* base = reinterpret_cast<const float*>(map.data() + h.values_offset);
    return std::span<const float>(base + f * stored + ticker_start[i], ranges[i].count);
  };
  const std::uint64_t checksum =
      file_checksum(std::span(map.data() + kChecksumEnd, h.values_offset - kChecksumEnd), h.num_features, ranges, slice);
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
  m.values.resize(std::size_t{h.num_features} * h.num_tickers * h.num_dates);
  tbb::parallel_for(std::size_t{0}, m.num_features(), [&](std::size_t f) {
    for (std::size_t i = 0; i < m.num_tickers(); ++i) {
      auto row = m.series(f, i);
      const auto stored_values = slice(f, i);
      const auto first = row.begin() + ranges[i].first;
      std::fill(row.begin(), first, std::numeric_limits<float>::quiet_NaN());
      std::copy(stored_values.begin(), stored_values.end(), first);
      std::fill(first + ranges[i].count, row.end(), std::numeric_limits<float>::quiet_NaN());
    }
  });
  return m;
}

}  // namespace kestrel::dataset
