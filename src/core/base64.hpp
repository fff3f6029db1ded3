#pragma once
// Base64 (RFC 4648, with padding, no line breaks): HTTP basic auth, email attachments.
#include <string>
#include <string_view>

namespace kestrel::core {

std::string base64(std::string_view bytes);

}  // namespace kestrel::core
