#pragma once
// Where vendor API keys come from: a file the user names (kept outside the repository), else
// an environment variable. The key itself never appears in a message.
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace kestrel::adapters {

// `key_file` when given (first line, surrounding whitespace trimmed), else `env_value` (the
// content of `env_name`, passed in by the process edge). Errors say how to provide a key.
core::Result<std::string> resolve_api_key(const std::optional<std::filesystem::path>& key_file,
                                          const char* env_value, std::string_view env_name);

// Alpaca's key pair: APCA_API_KEY_ID and APCA_API_SECRET_KEY from the environment (values passed
// in by the process edge), else from `key_file`, a file of NAME=value lines with those names.
struct AlpacaKeys {
  std::string key_id;
  std::string secret_key;
};
core::Result<AlpacaKeys> resolve_alpaca_keys(const char* env_key_id, const char* env_secret_key,
                                             const std::optional<std::filesystem::path>& key_file);

}  // namespace kestrel::adapters
