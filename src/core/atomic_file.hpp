#pragma once
// Writes a file so that a reader never sees half of it: the bytes go to PATH.partial, which is
// renamed over PATH once complete. A crash leaves the old file (or none) and a .partial.
#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace kestrel::core {

Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace kestrel::core
