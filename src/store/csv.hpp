#pragma once
// Minimal RFC 4180 CSV scanning over an in-memory text: line-by-line with 1-based line
// numbers, fields split on commas with double-quoted fields ("" escapes a quote). CRLF line
// ends and a UTF-8 byte-order mark are tolerated.
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kestrel::store {

class CsvLines {
 public:
  explicit CsvLines(std::string_view text);
  // Next non-empty line (without its line end); false at end of text.
  bool next(std::string_view& line);
  // 1-based number of the line last returned.
  std::size_t line_number() const { return line_number_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
};

// Records of a CSV text whose quoted fields may span lines (free text such as tweets and
// headlines): one record per call, with the line number it starts on.
class CsvRecords {
 public:
  explicit CsvRecords(std::string_view text);
  // Next non-empty record, unquoted into `fields` (views into `storage` or the text, valid
  // until the next call). Returns false at the end of the text; `error` is set instead when
  // a quote is never closed.
  bool next(std::vector<std::string_view>& fields, std::vector<std::string>& storage, bool& error);
  std::size_t line_number() const { return record_line_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;         // line of pos_
  std::size_t record_line_ = 0;  // first line of the record last returned
};

// Splits one line into fields. Quoted fields are unescaped into `storage`, so the views in
// `fields` stay valid until the next call with the same storage.
// Returns false on an unterminated quote.
bool split_csv_line(std::string_view line, std::vector<std::string_view>& fields,
                    std::vector<std::string>& storage);

std::string trim(std::string_view s);
std::string to_lower(std::string_view s);

// Strict number parsing: the whole field must be a finite number.
std::optional<double> parse_double(std::string_view s);

}  // namespace kestrel::store
