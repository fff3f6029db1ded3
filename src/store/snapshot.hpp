#pragma once
// The research snapshot: the store's bars, splits and dividends as one columnar file that
// Panel::load memory-maps (no parsing, no copy). It is derived data: stamped with the store_id
// and data_version it was built from, so a stale one is detected and rebuilt.
//
// File layout (little-endian; format version kSnapshotFormatVersion):
//   [0, 128)            header: magic "KSTRLPNL", checksum, format version, header size,
//                       num_dates, num_tickers, num_fields, store data_version, offsets and
//                       sizes of the sections below, total file size
//   [128, ...)          dates: int32 days since 1970-01-01, num_dates of them, ascending
//   strings_offset      store_id, then each ticker symbol, then each sector, each as a uint32
//                       byte length followed by the bytes
//   values_offset       float64 values in the Panel layout (field, ticker, date); 64-byte
//                       aligned so loads can point straight into the mapping
// checksum = XXH64 of bytes [16, values_offset) seeded with XXH64 of the values array, so it
// covers every byte after the checksum field itself.
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "store/market_store.hpp"
#include "store/panel.hpp"

namespace kestrel::store {

inline constexpr std::uint32_t kSnapshotFormatVersion = 1;

// Reads every ticker that has bars (by symbol) with its sector, splits and dividends, and
// builds the panel stamped with the store's id and data version.
core::Result<Panel> build_panel_from_store(MarketStore& store, bool show_progress = false);

// Writes the panel atomically: a temporary file beside `path`, fsync, then rename, so readers
// see either the old snapshot or the complete new one.
core::Status write_snapshot(const Panel& panel, const std::filesystem::path& path);

struct SnapshotOptions {
  bool force = false;  // rebuild even if the snapshot is up to date
  bool show_progress = false;
};

struct SnapshotRefresh {
  Panel panel;   // loaded from the snapshot file
  bool rebuilt = false;
  std::string reason;  // why it was (or was not) rebuilt, for humans
};

// Loads the snapshot if it was built from the store's current state, else rebuilds it from
// the store (also when the file is missing, corrupt or of another format version).
core::Result<SnapshotRefresh> refresh_snapshot(MarketStore& store, const std::filesystem::path& snapshot,
                                               const SnapshotOptions& options = {});

// The panel research code reads: opens the store read-only and refreshes the snapshot.
core::Result<Panel> open_research_panel(const std::filesystem::path& db, const std::filesystem::path& snapshot);

}  // namespace kestrel::store
