#include "store/news_item.hpp"

#include <span>

#include <fmt/format.h>

#include "core/checksum.hpp"

namespace kestrel::store {

std::string news_item_id(std::string_view url, std::string_view source, std::int64_t published_at,
                         std::string_view text) {
  auto hash = [](std::string_view bytes) { return core::xxh64(std::as_bytes(std::span(bytes.data(), bytes.size()))); };
  if (!url.empty()) return fmt::format("u{:016x}", hash(url));
  // Unit separators keep "a|bc" and "ab|c" apart.
  return fmt::format("c{:016x}", hash(fmt::format("{}\x1f{}\x1f{}", source, published_at, text)));
}

}  // namespace kestrel::store
