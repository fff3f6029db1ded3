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

core::Result<AlpacaKeys> resolve_alpaca_keys(const char* env_key_id, const char* env_secret_key,
                                             const std::optional<std::filesystem::path>& key_file) {
  AlpacaKeys keys;
  if (env_key_id != nullptr) keys.key_id = store::trim(env_key_id);
  if (env_secret_key != nullptr) keys.secret_key = store::trim(env_secret_key);
  if ((keys.key_id.empty() || keys.secret_key.empty()) && key_file) {
    auto text = store::read_text_file(*key_file);
    if (!text) return core::fail_as(core::ErrorKind::Config, "{}: cannot read the Alpaca key file: {}",
                                    key_file->string(), text.error().message);
    std::string_view rest = *text;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      const std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string name = store::trim(line.substr(0, eq));
      std::string value = store::trim(line.substr(eq + 1));
      if (name == "APCA_API_KEY_ID") keys.key_id = std::move(value);
      if (name == "APCA_API_SECRET_KEY") keys.secret_key = std::move(value);
    }
  }
  if (keys.key_id.empty() || keys.secret_key.empty()) {
    return core::fail_as(core::ErrorKind::Config,
                         "no Alpaca keys: set APCA_API_KEY_ID and APCA_API_SECRET_KEY, or name a file of "
                         "APCA_API_KEY_ID=… and APCA_API_SECRET_KEY=… lines (kept outside the repository)");
  }
  return keys;
}

}  // namespace kestrel::adapters
