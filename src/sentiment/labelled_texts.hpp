#pragma once
// A labelled sentiment set as CSV, `text,label` with 0 = bearish, 1 = bullish, 2 = neutral
// (../shared/data/news/labelled-sentiment-{train,valid}.csv); texts may span lines when
// quoted. Errors name file:line and the field.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace kestrel::sentiment {

inline constexpr int kBearish = 0;
inline constexpr int kBullish = 1;
inline constexpr int kNeutral = 2;
inline constexpr int kSentimentClasses = 3;
std::string_view class_name(int label);

struct LabelledText {
  std::string text;
  int label = kNeutral;
};

core::Result<std::vector<LabelledText>> parse_labelled_texts(std::string_view csv, std::string_view source);
core::Result<std::vector<LabelledText>> read_labelled_texts(const std::filesystem::path& path);

}  // namespace kestrel::sentiment
