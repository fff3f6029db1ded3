#pragma once
// The feature snapshot written by `kestrel features build`: a FeatureMatrix as one columnar
// file, laid out so the values can be memory-mapped in place (like the market snapshot).
//
// File layout (little-endian, format version kFeatureFileVersion):
//   [0, 64)         header: magic "KSTRLFTR", uint64 checksum, uint32 format version,
//                   uint32 header size (64), uint32 num_features, uint32 num_tickers,
//                   uint32 num_dates, uint32 reserved (0), uint64 strings_offset,
//                   uint64 values_offset, uint64 file size
//   [64, ...)       dates: int32 days since 1970-01-01, ascending
//   strings_offset  each feature name, then each ticker, as uint32 byte length + bytes
//   values_offset   float32 values in the FeatureMatrix layout (feature, ticker, date);
//                   64-byte aligned
// checksum = CRC-32 (zlib) of every byte after the checksum field, widened to 64 bits.
#include <cstdint>
#include <filesystem>

#include "core/error.hpp"
#include "features/feature_matrix.hpp"

namespace kestrel::dataset {

inline constexpr std::uint32_t kFeatureFileVersion = 1;

// Atomic: writes a temporary file beside `path`, then renames it over `path`.
core::Status write_feature_file(const features::FeatureMatrix& matrix, const std::filesystem::path& path);

// Memory-maps the file, verifies magic, version, sizes and checksum, and copies it into a
// FeatureMatrix. Errors name the file and what is wrong with it.
core::Result<features::FeatureMatrix> read_feature_file(const std::filesystem::path& path);

}  // namespace kestrel::dataset
