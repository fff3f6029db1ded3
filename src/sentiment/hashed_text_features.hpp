#pragma once
// A text as a sparse vector for a linear model: every token and every pair of adjacent tokens
// hashed into 2^bits slots (the "hashing trick": no vocabulary to store, any word maps
// somewhere), present or not, scaled to unit length so long and short texts weigh alike.
// With a lexicon, each category a token belongs to is one more feature ("lex:<category>",
// or "lex_not:<category>" inside a negation's scope), hashed the same way.
#include <cstdint>
#include <string_view>
#include <vector>

namespace kestrel::sentiment {

class Lexicon;

struct SparseText {
  std::vector<std::uint32_t> index;  // ascending, each once
  float value = 0;                   // every present slot's value: 1 / sqrt(index.size())
};

void hash_text(std::string_view text, unsigned bits, SparseText& out, const Lexicon* lexicon = nullptr);

}  // namespace kestrel::sentiment
