#include "store/csv.hpp"

#include <cctype>
#include <cmath>

namespace kestrel::store {

CsvLines::CsvLines(std::string_view text) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvLines::next(std::string_view& line) {
  while (pos_ < text_.size()) {
    const std::size_t end = text_.find('\n', pos_);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    line = text_.substr(pos_, stop - pos_);
    pos_ = stop == text_.size() ? stop : stop + 1;
    ++line_number_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) return true;
  }
  return false;
}

CsvRecords::CsvRecords(std::string_view text) : text_(text) {
  if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
}

bool CsvRecords::next(std::vector<std::string_view>& fields, std::vector<std::string>& storage, bool& error) {
  error = false;
  while (pos_ < text_.size()) {
    // The record ends at the first line end outside quotes.
    const std::size_t start = pos_;
    record_line_ = line_;
    bool in_quotes = false;
    std::size_t i = start;
    std::size_t lines = 0;
    for (; i < text_.size(); ++i) {
      const char c = text_[i];
      if (c == '"') in_quotes = !in_quotes;  // "" inside quotes toggles twice
      else if (c == '\n') {
        ++lines;
        if (!in_quotes) break;
      }
    }
    if (in_quotes) {
      error = true;
      return false;
    }
    std::string_view record = text_.substr(start, i - start);
    pos_ = i < text_.size() ? i + 1 : i;
    line_ += lines;
    if (!record.empty() && record.back() == '\r') record.remove_suffix(1);
    if (record.empty()) continue;
    if (!split_csv_line(record, fields, storage)) {
      error = true;
      return false;
    }
    return true;
  }
  return false;
}

bool split_csv_line(std::string_view line, std::vector<std::string_view>& fields,
                    std::vector<std::string>& storage) {
  fields.clear();
  storage.clear();
  if (line.find('"') == std::string_view::npos) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      if (comma == std::string_view::npos) {
        fields.push_back(line.substr(start));
        return true;
      }
      fields.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
  }
  // Slow path with quotes: unescape into storage first, then take views (storage must not
  // reallocate after views are taken).
  std::vector<std::string> parts;
  std::string current;
  bool in_quotes = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          current.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        current.push_back(c);
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      parts.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (in_quotes) return false;
  parts.push_back(std::move(current));
  storage = std::move(parts);
  for (const std::string& s : storage) fields.emplace_back(s);
  return true;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> parse_double(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  if (*first == '+') ++first;  // from_chars rejects a leading plus
  double value = 0;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace kestrel::store
