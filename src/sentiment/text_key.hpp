#pragma once
// A key that is equal for texts that say the same thing: the hash of its tokens
// (text_tokens.hpp: case, links, @mentions and cashtags already folded) without a leading
// retweet marker "RT @user:". The novelty feature counts how many of a day's texts have a
// key not seen in the last few sessions.
#include <cstdint>
#include <string_view>

namespace kestrel::sentiment {

std::uint64_t text_key(std::string_view text);

}  // namespace kestrel::sentiment
