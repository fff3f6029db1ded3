#include "adapters/api_key.hpp"

#include "store/csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::adapters {

core::Result<std::string> resolve_api_key(const std::optional<std::filesystem::path>& key_file,
                                          const char* env_value, std::string_view env_name) {
  if (key_file) {
    auto text = store::read_text_file(*key_file);
    if (!text) return std::unexpected(text.error());
    const std::string_view content = *text;
    std::string key = store::trim(content.substr(0, content.find_first_of("\r\n")));
    if (key.empty()) return core::fail("{}: API key file is empty", key_file->string());
    return key;
  }
  std::string key = env_value != nullptr ? store::trim(env_value) : std::string();
  if (key.empty()) {
    return core::fail("no API key: set {} or pass --api-key-file FILE (keep it outside the "
                      "repository)", env_name);
  }
  return key;
}

}  // namespace kestrel::adapters
