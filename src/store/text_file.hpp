#pragma once
// Reads a whole text file into memory, transparently gunzipping gzip files (other input
// passes through unchanged). Bar files are small (a few MB), and having the full text lets
// parsers hand out string_views without copying. A single-member gzip file is inflated in
// one call by libdeflate (2-3x zlib); anything else (several members, corrupt or truncated
// streams) goes through zlib's streaming reader, which also words the errors.
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace kestrel::store {

core::Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace kestrel::store
