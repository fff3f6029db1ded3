#include "strategy/predictions.hpp"

#include <algorithm>
#include <map>

#include "store/csv.hpp"
#include "store/text_file.hpp"

namespace kestrel::strategy {

core::Result<std::vector<Prediction>> parse_predictions(std::string_view text, std::string_view source,
                                                        const store::Panel& panel) {
  store::CsvLines lines(text);
  std::string_view line;
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  if (!lines.next(line)) return core::fail("{}: empty file (expected a header date,ticker,score[,confidence])", source);
  if (!store::split_csv_line(line, fields, storage)) return core::fail("{}:1: unterminated quote", source);
  std::vector<std::string> header;
  for (auto f : fields) header.push_back(store::to_lower(store::trim(f)));
  const bool has_confidence = header.size() == 4 && header[3] == "confidence";
  if (header.size() < 3 || header[0] != "date" || header[1] != "ticker" || header[2] != "score" ||
      (header.size() == 4 && !has_confidence) || header.size() > 4) {
    return core::fail("{}:1: header must be date,ticker,score[,confidence], got '{}'", source, line);
  }
  std::vector<Prediction> out;
  std::map<std::pair<std::int32_t, std::uint32_t>, std::size_t> line_of;  // (date, ticker) -> line
  // Column of field k (1-based) for messages.
  auto column = [&](std::size_t k) {
    return static_cast<std::size_t>(fields[k].data() - line.data()) + 1;
  };
  while (lines.next(line)) {
    const std::size_t n = lines.line_number();
    if (!store::split_csv_line(line, fields, storage)) return core::fail("{}:{}: unterminated quote", source, n);
    if (fields.size() != header.size()) {
      return core::fail("{}:{}: expected {} fields, got {}", source, n, header.size(), fields.size());
    }
    Prediction p;
    const auto date = core::Date::parse(store::trim(fields[0]));
    if (!date) return core::fail("{}:{}:{}: date: expected YYYY-MM-DD, got '{}'", source, n, column(0), fields[0]);
    p.date = *date;
    const std::string ticker = store::trim(fields[1]);
    const auto index = panel.ticker_index(ticker);
    if (!index) return core::fail("{}:{}:{}: ticker: '{}' is not in the market data", source, n, column(1), ticker);
    p.instrument = static_cast<std::uint32_t>(*index);
    // Two scores for one stock on one day: which would the strategy trade? Refuse, naming both.
    if (const auto [it, fresh] = line_of.emplace(std::pair{p.date.days(), p.instrument}, n); !fresh) {
      return core::fail("{}:{}:{}: ticker: a second prediction for {} on {} (the first is on line {})", source, n,
                        column(1), ticker, p.date.to_string(), it->second);
    }
    const auto score = store::parse_double(store::trim(fields[2]));
    if (!score) return core::fail("{}:{}:{}: score: not a finite number: '{}'", source, n, column(2), fields[2]);
    p.score = *score;
    if (has_confidence) {
      const auto confidence = store::parse_double(store::trim(fields[3]));
      if (!confidence) {
        return core::fail("{}:{}:{}: confidence: not a finite number: '{}'", source, n, column(3), fields[3]);
      }
      p.confidence = *confidence;
    }
    out.push_back(p);
  }
  std::stable_sort(out.begin(), out.end(), [](const Prediction& a, const Prediction& b) { return a.date < b.date; });
  return out;
}

core::Result<std::vector<Prediction>> read_predictions(const std::filesystem::path& path,
                                                       const store::Panel& panel) {
  auto text = store::read_text_file(path);
  if (!text) return std::unexpected(text.error());
  return parse_predictions(*text, path.string(), panel);
}

}  // namespace kestrel::strategy
