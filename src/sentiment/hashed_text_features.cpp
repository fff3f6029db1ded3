#include "sentiment/hashed_text_features.hpp"

#include <algorithm>
#include <cmath>

#include "sentiment/lexicon.hpp"
#include "sentiment/text_tokens.hpp"

namespace kestrel::sentiment {
namespace {

// FNV-1a, then a final mix so that nearby hashes spread over the low bits.
std::uint64_t hash_token(std::string_view token, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : token) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

void hash_text(std::string_view text, unsigned bits, SparseText& out, const Lexicon* lexicon) {
  out.index.clear();
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  std::uint64_t previous = 0;
  bool has_previous = false;
  for_each_token(text, [&](std::string_view token) {
    const std::uint64_t h = hash_token(token);
    out.index.push_back(static_cast<std::uint32_t>(h & mask));
    if (lexicon != nullptr) {
      lexicon->for_each_feature(token, [&](std::string_view name) {
        out.index.push_back(static_cast<std::uint32_t>(hash_token(name) & mask));
      });
    }
    if (has_previous) {
      // A bigram's hash depends on the order of its two tokens.
      const std::uint64_t pair = hash_token(token, previous * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL);
      out.index.push_back(static_cast<std::uint32_t>(pair & mask));
    }
    previous = h;
    has_previous = true;
  });
  std::sort(out.index.begin(), out.index.end());
  out.index.erase(std::unique(out.index.begin(), out.index.end()), out.index.end());
  out.value = out.index.empty() ? 0.0f : static_cast<float>(1.0 / std::sqrt(static_cast<double>(out.index.size())));
}

}  // namespace kestrel::sentiment
