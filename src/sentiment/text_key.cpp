#include "sentiment/text_key.hpp"

#include <span>
#include <string>

#include "core/checksum.hpp"
#include "sentiment/text_tokens.hpp"

namespace kestrel::sentiment {

std::uint64_t text_key(std::string_view text) {
  std::string joined;
  std::size_t position = 0;
  for_each_token(text, [&](std::string_view token) {
    // "rt <user>" at the start is the retweet marker, not the text.
    const bool retweet_marker = (position == 0 && token == "rt") || (position == 1 && token == "<user>" && joined.empty());
    ++position;
    if (retweet_marker) return;
    joined.append(token).push_back(' ');
  });
  return core::xxh64(std::as_bytes(std::span(joined.data(), joined.size())));
}

}  // namespace kestrel::sentiment
