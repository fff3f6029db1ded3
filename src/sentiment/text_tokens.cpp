#include "sentiment/text_tokens.hpp"

#include <array>
#include <cctype>

namespace kestrel::sentiment {
namespace {

bool word_byte(unsigned char c) { return std::isalnum(c) != 0 || c == '\'' || c == '_' || c >= 0x80; }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool space(unsigned char c) { return std::isspace(c) != 0; }

constexpr std::array<std::string_view, 13> kNegations = {"not",     "no",   "never", "nothing", "nobody", "none", "neither",
                                                         "nor",     "cannot", "without", "isnt", "dont", "wont"};
constexpr std::size_t kNegationScope = 3;

bool negation(std::string_view word) {
  if (word.ends_with("n't")) return true;
  for (auto n : kNegations) {
    if (word == n) return true;
  }
  return false;
}

}  // namespace

void for_each_token(std::string_view raw, const std::function<void(std::string_view)>& emit) {
  std::string text(raw);
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string prefixed;
  std::size_t negated = 0;  // words left in the current negation's scope
  auto word = [&](std::string_view w) {
    if (negated > 0) {
      prefixed.assign("not_").append(w);
      emit(prefixed);
      --negated;
    } else {
      emit(w);
    }
    if (negation(w)) negated = kNegationScope;
  };
  const std::size_t n = text.size();
  std::size_t i = 0;
  auto at = [&](std::size_t k) -> unsigned char { return k < n ? static_cast<unsigned char>(text[k]) : 0; };
  while (i < n) {
    const unsigned char c = at(i);
    const std::string_view rest = std::string_view(text).substr(i);
    if (space(c)) {
      ++i;
    } else if (rest.starts_with("http://") || rest.starts_with("https://") || rest.starts_with("www.")) {
      while (i < n && !space(at(i))) ++i;
      emit("<url>");
    } else if (c == '$' && std::isalpha(at(i + 1))) {
      ++i;
      while (i < n && (std::isalnum(at(i)) || ((at(i) == '.' || at(i) == '-') && std::isalpha(at(i + 1))))) ++i;
      emit("<cashtag>");
    } else if (c == '@' && word_byte(at(i + 1))) {
      ++i;
      while (i < n && word_byte(at(i))) ++i;
      emit("<user>");
    } else if (digit(c) || ((c == '+' || c == '-' || c == '.' || c == '$') && digit(at(i + 1)) && (i == 0 || space(at(i - 1))))) {
      const char sign = c == '+' || c == '-' ? static_cast<char>(c) : 0;
      if (!digit(c)) ++i;
      while (i < n && (digit(at(i)) || ((at(i) == '.' || at(i) == ',') && digit(at(i + 1))))) ++i;
      bool percent = at(i) == '%';
      if (percent) ++i;
      // "5x", "3rd", "10k": the suffix belongs to the number.
      while (i < n && std::isalpha(at(i))) ++i;
      emit(sign == '+' ? "<up_num>" : sign == '-' ? "<down_num>" : percent ? "<pct>" : "<num>");
    } else if (c == '#' && word_byte(at(i + 1))) {
      ++i;  // a hashtag is its word
    } else if (word_byte(c)) {
      const std::size_t start = i;
      while (i < n && word_byte(at(i))) ++i;
      std::string_view w = std::string_view(text).substr(start, i - start);
      while (!w.empty() && w.front() == '\'') w.remove_prefix(1);
      while (!w.empty() && w.back() == '\'') w.remove_suffix(1);
      if (!w.empty()) word(w);
    } else if (c == '!' || c == '?') {
      emit(c == '!' ? "!" : "?");
      ++i;
    } else {
      if (c == '.' || c == ',' || c == ';' || c == ':') negated = 0;  // a clause break ends a negation
      ++i;
    }
  }
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> out;
  for_each_token(text, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}

}  // namespace kestrel::sentiment
