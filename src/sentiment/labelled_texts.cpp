#include "sentiment/labelled_texts.hpp"

#include <fmt/format.h>

#include "store/csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::sentiment {

std::string_view class_name(int label) {
  switch (label) {
    case kBearish: return "bearish";
    case kBullish: return "bullish";
    default: return "neutral";
  }
}

core::Result<std::vector<LabelledText>> parse_labelled_texts(std::string_view csv, std::string_view source) {
  store::CsvRecords records(csv);
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  bool malformed = false;
  if (!records.next(fields, storage, malformed) || fields.size() != 2 || store::trim(fields[0]) != "text" ||
      store::trim(fields[1]) != "label") {
    return core::fail("{}:1: expected the header text,label", source);
  }
  std::vector<LabelledText> out;
  while (records.next(fields, storage, malformed)) {
    if (fields.size() != 2) return core::fail("{}:{}: {} fields, expected 2 (text,label)", source, records.line_number(), fields.size());
    const std::string label = store::trim(fields[1]);
    if (label != "0" && label != "1" && label != "2") {
      return core::fail("{}:{}: field label: '{}' is not 0 (bearish), 1 (bullish) or 2 (neutral)", source,
                        records.line_number(), label.substr(0, 20));
    }
    out.push_back({.text = std::string(fields[0]), .label = label[0] - '0'});
  }
  if (malformed) return core::fail("{}:{}: a quoted field is never closed", source, records.line_number());
  if (out.empty()) return core::fail("{}: no labelled rows", source);
  return out;
}

core::Result<std::vector<LabelledText>> read_labelled_texts(const std::filesystem::path& path) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_labelled_texts(*text, path.string());
}

}  // namespace kestrel::sentiment
