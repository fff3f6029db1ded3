#pragma once
// Reads a whole text file into memory, transparently gunzipping .gz files (zlib's gzread
// passes uncompressed input through unchanged). Bar files are small (a few MB), and having
// the full text lets parsers hand out string_views without copying.
#include <filesystem>
#include <string>

#include "core/error.hpp"

namespace kestrel::store {

core::Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace kestrel::store
