#pragma once
// The sentiment classifier's tokeniser for short financial texts (tweets, headlines):
// lower-cased words; URLs, cashtags, @mentions and numbers become one token each ("<url>",
// "<cashtag>", "<user>", "<num>", "<pct>", with "<up_num>"/"<down_num>" for a signed number)
// so that no model learns a ticker's name or a link; a hashtag counts as its word; "!" and
// "?" are tokens. After a negation ("not", "no", "never", "can't", ...), the next three words
// up to a clause break (. , ; :) carry the prefix "not_": "not good" is not "good".
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kestrel::sentiment {

// Calls `emit` with each token in order; the views live until the next call.
void for_each_token(std::string_view text, const std::function<void(std::string_view)>& emit);
std::vector<std::string> tokenize(std::string_view text);

}  // namespace kestrel::sentiment
