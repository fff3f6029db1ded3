#pragma once
// The feature file `kestrel features build --export` writes: a FeatureMatrix in one columnar
// file, storing for each ticker only its own span of dates (from the first to the last date
// on which it has a value; the panel's dates start with its oldest series, so storing every
// date would be mostly NaN — 2.0 GB instead of ~1 GB on us-daily).
//
// File layout (little-endian, format version kFeatureFileVersion):
//   [0, 64)         header: magic "KSTRLFTR", uint64 checksum, uint32 format version,
//                   uint32 header size (64), uint32 num_features, uint32 num_tickers,
//                   uint32 num_dates, uint32 reserved (0), uint64 strings_offset,
//                   uint64 values_offset, uint64 file size
//   [64, ...)       dates: int32 days since 1970-01-01, ascending
//   then            per ticker: uint32 first date index, uint32 number of dates stored
//   strings_offset  each feature name, then each ticker, as uint32 byte length + bytes
//   values_offset   float32 values, 64-byte aligned: for each feature, for each ticker, its
//                   stored dates; feature f of ticker i starts at value
//                   f * S + (sum of the counts of tickers before i), S = sum of all counts
// checksum = XXH64 of [every byte after the checksum field up to values_offset, then the
// XXH64 of each (feature, ticker) slice of values in file order, as uint64s].
#include <cstdint>
#include <filesystem>

#include "core/error.hpp"
#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

inline constexpr std::uint32_t kFeatureFileVersion = 2;

// Atomic: writes a temporary file beside `path`, then renames it over `path`.
core::Status write_feature_file(const features::FeatureMatrix& matrix, const std::filesystem::path& path);

// Memory-maps the file, verifies magic, version, sizes and checksum, and expands it into a
// FeatureMatrix (NaN outside each ticker's stored dates). Errors name the file and what is wrong with it.
core::Result<features::FeatureMatrix> read_feature_file(const std::filesystem::path& path);

}  // namespace kestrel::dataset
