#pragma once
// A user's sentiment lexicon: a `word,category` CSV (a header "word,category" is optional; a
// word may appear under several categories), e.g. a finance word list the user holds a
// licence for. The project ships none. Words are matched as the tokeniser sees them (one
// token each, lower-cased); a word inside a negation's scope ("not_good") counts for its
// category negated. The classifier learns one weight per category (and per negated
// category), so a lexicon word helps even where the training texts never used it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"

namespace kestrel::sentiment {

class Lexicon {
 public:
  // Errors name source:line and the field.
  static core::Result<Lexicon> parse(std::string_view csv, std::string_view source);
  // Also records the file's absolute path and checksum: a model trained with it names them.
  static core::Result<Lexicon> read(const std::filesystem::path& path);

  // The categories of a token (indices into categories()); empty when it is not in the lexicon.
  const std::vector<std::uint32_t>& categories_of(std::string_view token) const;
  // Calls `emit` with the name of each feature a token stands for: "lex:<category>", or
  // "lex_not:<category>" for a token in a negation's scope ("not_good"). The names start with
  // a byte no token has, so they never meet a word's hash slot by design.
  template <class Emit>
  void for_each_feature(std::string_view token, Emit&& emit) const {
    const bool negated = token.starts_with("not_");
    for (const std::uint32_t c : categories_of(negated ? token.substr(4) : token)) {
      emit(std::string_view(negated ? negated_names_[c] : names_[c]));
    }
  }
  const std::vector<std::string>& categories() const { return categories_; }
  std::size_t words() const { return words_.size(); }
  const std::filesystem::path& path() const { return path_; }
  const std::string& checksum() const { return checksum_; }  // xxh64 of the file, hex

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::uint32_t>, Hash, std::equal_to<>> words_;
  std::vector<std::string> categories_;
  std::vector<std::string> names_;          // the feature name of each category, and negated
  std::vector<std::string> negated_names_;
  std::filesystem::path path_;
  std::string checksum_;
};

}  // namespace kestrel::sentiment
