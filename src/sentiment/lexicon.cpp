#include "sentiment/lexicon.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/checksum.hpp"
#include "sentiment/text_tokens.hpp"
#include "store/csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::sentiment {

core::Result<Lexicon> Lexicon::parse(std::string_view csv, std::string_view source) {
  Lexicon lexicon;
  store::CsvRecords records(csv);
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  bool malformed = false;
  bool first = true;
  while (records.next(fields, storage, malformed)) {
    const std::size_t line = records.line_number();
    if (first && fields.size() == 2 && store::to_lower(store::trim(fields[0])) == "word" &&
        store::to_lower(store::trim(fields[1])) == "category") {
      first = false;
      continue;
    }
    first = false;
    if (fields.size() != 2) return core::fail("{}:{}: {} fields, expected 2 (word,category)", source, line, fields.size());
    const std::string word = store::trim(fields[0]);
    const std::string category = store::to_lower(store::trim(fields[1]));
    if (word.empty()) return core::fail("{}:{}: field word: empty", source, line);
    if (category.empty()) return core::fail("{}:{}: field category: empty", source, line);
    // The word as the tokeniser will meet it in a text.
    const auto tokens = tokenize(word);
    if (tokens.size() != 1 || tokens[0].starts_with("not_") || tokens[0].front() == '<') {
      return core::fail("{}:{}: field word: '{}' is not one plain word to the tokeniser (it reads {} token(s)); "
                        "phrases, numbers and negations cannot be matched",
                        source, line, word.substr(0, 40), tokens.size());
    }
    auto at = std::find(lexicon.categories_.begin(), lexicon.categories_.end(), category);
    if (at == lexicon.categories_.end()) at = lexicon.categories_.insert(lexicon.categories_.end(), category);
    const auto index = static_cast<std::uint32_t>(at - lexicon.categories_.begin());
    auto& of_word = lexicon.words_[tokens[0]];
    if (std::find(of_word.begin(), of_word.end(), index) == of_word.end()) of_word.push_back(index);
  }
  if (malformed) return core::fail("{}:{}: a quoted field is never closed", source, records.line_number());
  if (lexicon.words_.empty()) return core::fail("{}: no words", source);
  for (const std::string& c : lexicon.categories_) {
    lexicon.names_.push_back("\x1flex:" + c);
    lexicon.negated_names_.push_back("\x1flex_not:" + c);
  }
  return lexicon;
}

core::Result<Lexicon> Lexicon::read(const std::filesystem::path& path) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  auto lexicon = parse(*text, path.string());
  if (!lexicon) return lexicon;
  std::error_code ec;
  lexicon->path_ = std::filesystem::absolute(path, ec);
  if (ec) lexicon->path_ = path;
  lexicon->checksum_ = fmt::format("{:016x}", core::xxh64(std::as_bytes(std::span(text->data(), text->size()))));
  return lexicon;
}

const std::vector<std::uint32_t>& Lexicon::categories_of(std::string_view token) const {
  static const std::vector<std::uint32_t> none;
  const auto it = words_.find(token);
  return it == words_.end() ? none : it->second;
}

}  // namespace kestrel::sentiment
