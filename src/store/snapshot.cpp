#include "store/snapshot.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "core/checksum.hpp"
#include "core/progress.hpp"

namespace kestrel::store {

static_assert(std::endian::native == std::endian::little, "the snapshot format is little-endian");

namespace {

using core::fail;
using core::Result;
using core::Status;

constexpr char kMagic[8] = {'K', 'S', 'T', 'R', 'L', 'P', 'N', 'L'};
constexpr std::size_t kAlignment = 64;
constexpr std::size_t kChecksumEnd = 16;  // magic + checksum: the bytes the checksum skips

struct Header {
  char magic[8];
  std::uint64_t checksum;
  std::uint32_t format_version;
  std::uint32_t header_size;
  std::uint64_t num_dates;
  std::uint64_t num_tickers;
  std::uint64_t num_fields;
  std::uint64_t store_data_version;
  std::uint64_t strings_offset;
  std::uint64_t strings_size;
  std::uint64_t values_offset;
  std::uint64_t file_size;
  std::uint8_t reserved[40];
};
static_assert(sizeof(Header) == 128);
static_assert(sizeof(core::Date) == sizeof(std::int32_t));

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

std::size_t align_up(std::size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

std::uint64_t snapshot_checksum(std::span<const std::byte> prefix, std::span<const std::byte> values) {
  return core::xxh64(prefix.subspan(kChecksumEnd), core::xxh64(values));
}

void append_string(std::vector<std::byte>& out, std::string_view s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  const auto* len = reinterpret_cast<const std::byte*>(&n);
  out.insert(out.end(), len, len + sizeof n);
  const auto* bytes = reinterpret_cast<const std::byte*>(s.data());
  out.insert(out.end(), bytes, bytes + s.size());
}

// Reads the length-prefixed strings of the strings section, refusing to run past its end.
class StringReader {
 public:
  explicit StringReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  std::optional<std::string> next() {
    std::uint32_t n;
    if (bytes_.size() - pos_ < sizeof n) return std::nullopt;
    std::memcpy(&n, bytes_.data() + pos_, sizeof n);
    pos_ += sizeof n;
    if (bytes_.size() - pos_ < n) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  bool at_end() const { return pos_ == bytes_.size(); }

 private:
  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now so that a failing close (possible on network file systems) is reported.
  bool close() { return ::close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

Status write_all(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("{}: write failed: {}", path.string(), errno_text());
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

// The snapshot code's access to Panel internals: stamping a built panel with its store's
// state, and assembling a panel over a memory map.
class SnapshotAccess {
 public:
  static void stamp(Panel& panel, std::string store_id, std::uint64_t data_version) {
    panel.store_id_ = std::move(store_id);
    panel.store_data_version_ = data_version;
  }
  static std::span<const std::byte> values_bytes(const Panel& panel) {
    assert(panel.whole() && "a snapshot is written from a whole panel, not a later-starting view");
    return {reinterpret_cast<const std::byte*>(panel.values_),
            kFieldCount * panel.num_tickers() * panel.num_dates() * sizeof(double)};
  }
  static Result<Panel> load(const std::filesystem::path& path);
};

Result<Panel> SnapshotAccess::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return fail("{}: cannot open snapshot: {}", name, errno_text());
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return fail("{}: cannot stat snapshot: {}", name, errno_text());
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < sizeof(Header)) {
    return fail("{}: not a Kestrel snapshot or truncated ({} bytes, shorter than the {}-byte header)",
                name, size, sizeof(Header));
  }
  // MAP_POPULATE faults the whole file in up front: one kernel call instead of one page fault
  // per 4 KiB page while the checksum walks it.
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
  if (addr == MAP_FAILED) return fail("{}: cannot memory-map snapshot: {}", name, errno_text());
  std::shared_ptr<const void> mapping(addr, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  const auto* base = static_cast<const std::byte*>(addr);

  Header h;
  std::memcpy(&h, base, sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return fail("{}: not a Kestrel snapshot (bad magic)", name);
  if (h.format_version != kSnapshotFormatVersion) {
    return fail("{}: snapshot format v{}, this kestrel reads v{}; rebuild it with `kestrel data snapshot --force`",
                name, h.format_version, kSnapshotFormatVersion);
  }
  if (h.header_size != sizeof(Header) || h.num_fields != kFieldCount) {
    return fail("{}: corrupt snapshot header (header size {}, {} fields)", name, h.header_size, h.num_fields);
  }
  // Every size is checked against the file before anything is derived from it, so a corrupt
  // header cannot send a pointer outside the mapping.
  constexpr std::size_t kCellBytes = kFieldCount * sizeof(double);
  if (h.num_dates > size / sizeof(core::Date) || h.num_tickers > size || h.strings_size > size ||
      (h.num_tickers != 0 && h.num_dates > size / kCellBytes / h.num_tickers)) {
    return fail("{}: corrupt snapshot header (implausible sizes)", name);
  }
  const std::size_t strings_offset = sizeof(Header) + h.num_dates * sizeof(core::Date);
  const std::size_t values_offset = align_up(strings_offset + h.strings_size);
  const std::size_t values_size = kFieldCount * h.num_tickers * h.num_dates * sizeof(double);
  if (h.strings_offset != strings_offset || h.values_offset != values_offset ||
      h.file_size != values_offset + values_size) {
    return fail("{}: corrupt snapshot header (section offsets do not add up)", name);
  }
  if (size != h.file_size) {
    return fail("{}: snapshot is {} ({} bytes, expected {}); rebuild it with `kestrel data snapshot --force`",
                name, size < h.file_size ? "truncated" : "longer than its header says", size, h.file_size);
  }
  const std::uint64_t checksum = snapshot_checksum({base, values_offset}, {base + values_offset, values_size});
  if (checksum != h.checksum) {
    return fail("{}: snapshot checksum mismatch (stored {:016x}, computed {:016x}): the file is corrupt; "
                "rebuild it with `kestrel data snapshot --force`",
                name, h.checksum, checksum);
  }

  Panel panel;
  StringReader strings({base + strings_offset, h.strings_size});
  auto store_id = strings.next();
  if (!store_id) return fail("{}: corrupt snapshot (strings section)", name);
  panel.store_id_ = std::move(*store_id);
  panel.tickers_.reserve(h.num_tickers);
  panel.sectors_.reserve(h.num_tickers);
  for (auto* list : {&panel.tickers_, &panel.sectors_}) {
    for (std::uint64_t i = 0; i < h.num_tickers; ++i) {
      auto s = strings.next();
      if (!s) return fail("{}: corrupt snapshot (strings section)", name);
      list->push_back(std::move(*s));
    }
  }
  if (!strings.at_end()) return fail("{}: corrupt snapshot (strings section)", name);
  panel.num_dates_ = h.num_dates;
  panel.stride_ = h.num_dates;
  panel.store_data_version_ = h.store_data_version;
  panel.dates_ = reinterpret_cast<const core::Date*>(base + sizeof(Header));
  panel.values_ = reinterpret_cast<const double*>(base + values_offset);
  panel.mapping_ = std::move(mapping);
  panel.index_tickers();
  return panel;
}

Result<Panel> Panel::load(const std::filesystem::path& snapshot) { return SnapshotAccess::load(snapshot); }

Status write_snapshot(const Panel& panel, const std::filesystem::path& path) {
  if (!panel.whole()) return fail("{}: a snapshot is written from a whole panel, not a later-starting view", path.string());
  std::vector<std::byte> strings;
  append_string(strings, panel.store_id());
  for (const auto& s : panel.tickers()) append_string(strings, s);
  for (const auto& s : panel.sectors()) append_string(strings, s);

  const auto values = SnapshotAccess::values_bytes(panel);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format_version = kSnapshotFormatVersion;
  h.header_size = sizeof(Header);
  h.num_dates = panel.num_dates();
  h.num_tickers = panel.num_tickers();
  h.num_fields = kFieldCount;
  h.store_data_version = panel.store_data_version();
  h.strings_offset = sizeof(Header) + panel.num_dates() * sizeof(core::Date);
  h.strings_size = strings.size();
  h.values_offset = align_up(h.strings_offset + h.strings_size);
  h.file_size = h.values_offset + values.size();

  // Everything before the values is small: assemble it in memory, then checksum and write.
  std::vector<std::byte> prefix(h.values_offset);
  if (panel.num_dates() > 0) {
    std::memcpy(prefix.data() + sizeof(Header), panel.dates().data(), panel.num_dates() * sizeof(core::Date));
  }
  std::memcpy(prefix.data() + h.strings_offset, strings.data(), strings.size());
  std::memcpy(prefix.data(), &h, sizeof h);
  h.checksum = snapshot_checksum(prefix, values);
  std::memcpy(prefix.data(), &h, sizeof h);

  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return fail("{}: cannot create folder: {}", path.parent_path().string(), ec.message());
  }
  std::filesystem::path tmp = path;
  tmp += fmt::format(".tmp-{}", ::getpid());
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return fail("{}: cannot create: {}", tmp.string(), errno_text());
  auto written = [&]() -> Status {
    if (auto s = write_all(fd.get(), prefix, tmp); !s) return s;
    if (auto s = write_all(fd.get(), values, tmp); !s) return s;
    if (::fsync(fd.get()) != 0) return fail("{}: fsync failed: {}", tmp.string(), errno_text());
    if (!fd.close()) return fail("{}: close failed: {}", tmp.string(), errno_text());
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      return fail("{}: cannot rename to {}: {}", tmp.string(), path.string(), errno_text());
    }
    return {};
  }();
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  // Make the rename itself durable.
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  FileDescriptor dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return {};
}

Result<Panel> build_panel_from_store(MarketStore& store, bool show_progress) {
  // The version is read before the bars: if a write lands in between, the snapshot carries
  // the older version and is rebuilt on next use, never the other way round.
  auto version = store.data_version();
  if (!version) return std::unexpected(version.error());
  auto store_id = store.store_id();
  if (!store_id) return std::unexpected(store_id.error());
  auto universe = store.universe();
  if (!universe) return std::unexpected(universe.error());

  std::vector<TickerSeries> series;
  std::unordered_map<std::string, std::size_t> index;
  std::size_t total_bars = 0;
  for (const TickerSummary& t : *universe) {
    if (t.bar_count == 0) continue;
    index.emplace(t.info.symbol, series.size());
    series.push_back({t.info.symbol, t.info.sector, {}, {}});
    series.back().bars.reserve(static_cast<std::size_t>(t.bar_count));
    total_bars += static_cast<std::size_t>(t.bar_count);
  }

  core::ProgressBar progress("reading bars", total_bars, show_progress);
  TickerSeries* current = nullptr;
  std::size_t pending = 0;
  auto read = store.for_each_bar([&](const std::string& ticker, const Bar& bar) {
    if (current == nullptr || current->symbol != ticker) {
      // Bars of a ticker that appeared after universe() was read belong to a newer state of
      // the store; skipping them keeps the snapshot consistent with its (older) version.
      auto it = index.find(ticker);
      current = it == index.end() ? nullptr : &series[it->second];
      if (current == nullptr) return;
    }
    current->bars.push_back(bar);
    if (++pending == 65536) {
      progress.advance(pending);
      pending = 0;
    }
  });
  if (!read) return std::unexpected(read.error());
  progress.advance(pending);
  progress.finish();

  for (TickerSeries& s : series) {
    auto actions = store.corporate_actions(s.symbol);
    if (!actions) return std::unexpected(actions.error());
    s.actions = std::move(*actions);
  }
  Panel panel = Panel::build(series);
  SnapshotAccess::stamp(panel, std::move(*store_id), *version);
  return panel;
}

Result<SnapshotRefresh> refresh_snapshot(MarketStore& store, const std::filesystem::path& snapshot,
                                         const SnapshotOptions& options) {
  auto version = store.data_version();
  if (!version) return std::unexpected(version.error());
  auto store_id = store.store_id();
  if (!store_id) return std::unexpected(store_id.error());

  std::string reason;
  if (options.force) {
    reason = "rebuild forced";
  } else if (!std::filesystem::exists(snapshot)) {
    reason = "no snapshot yet";
  } else {
    auto loaded = Panel::load(snapshot);
    if (!loaded) {
      reason = fmt::format("existing snapshot unusable: {}", loaded.error().message);
    } else if (loaded->store_id() != *store_id) {
      reason = fmt::format("snapshot was built from another store (id {}, this store {})", loaded->store_id(),
                           *store_id);
    } else if (loaded->store_data_version() != *version) {
      reason = fmt::format("store changed (data version {} -> {})", loaded->store_data_version(), *version);
    } else {
      return SnapshotRefresh{std::move(*loaded), false, fmt::format("up to date with data version {}", *version)};
    }
  }

  {
    auto built = build_panel_from_store(store, options.show_progress);
    if (!built) return std::unexpected(built.error());
    if (auto s = write_snapshot(*built, snapshot); !s) return std::unexpected(s.error());
  }
  // Hand out the mapped file rather than the heap copy: it checks what was written and lets
  // processes share the page cache.
  auto loaded = Panel::load(snapshot);
  if (!loaded) return std::unexpected(loaded.error());
  return SnapshotRefresh{std::move(*loaded), true, std::move(reason)};
}

Result<Panel> open_research_panel(const std::filesystem::path& db, const std::filesystem::path& snapshot) {
  auto store = MarketStore::open(db, MarketStore::Access::ReadOnly);
  if (!store) return std::unexpected(store.error());
  auto refreshed = refresh_snapshot(*store, snapshot);
  if (!refreshed) return std::unexpected(refreshed.error());
  return std::move(refreshed->panel);
}

}  // namespace kestrel::store
