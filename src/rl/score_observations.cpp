#include "rl/score_observations.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/date.hpp"
#include "store/csv.hpp"

namespace kestrel::rl {

core::Result<ScoredObservations> append_scores(const store::Panel& panel, const std::vector<std::size_t>& universe,
                                               ObservationFeatures base,
                                               const std::vector<std::filesystem::path>& files) {
  const std::size_t dates = panel.num_dates();
  const std::size_t n = universe.size();
  const std::size_t old_count = base.count;
  const std::size_t count = old_count + 2 * files.size();
  ScoredObservations out;
  out.features.count = count;
  out.features.values.assign(dates * n * count, 0.0f);
  for (std::size_t cell = 0; cell < dates * n; ++cell) {
    std::copy_n(base.values.begin() + static_cast<std::ptrdiff_t>(cell * old_count), old_count,
                out.features.values.begin() + static_cast<std::ptrdiff_t>(cell * count));
  }
  std::map<std::string, std::size_t, std::less<>> slot;
  for (std::size_t k = 0; k < n; ++k) slot.emplace(panel.tickers()[universe[k]], k);
  out.first_scored_day = 0;
  out.last_scored_day = dates - 1;

  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string name = files[f].string();
    std::ifstream in(files[f], std::ios::binary);
    if (!in) return core::fail_as(core::ErrorKind::Io, "{}: cannot read", name);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    store::CsvLines lines(text);
    std::string_view line;
    std::vector<std::string_view> fields;
    std::vector<std::string> storage;
    if (!lines.next(line) || (store::split_csv_line(line, fields, storage), fields.size() != 3) || fields[0] != "date" ||
        fields[1] != "ticker" || fields[2] != "score") {
      return core::fail_as(core::ErrorKind::Config, "{}:1: expected the header date,ticker,score", name);
    }
    const std::size_t column = old_count + 2 * f;
    out.score_columns.push_back(column);
    std::vector<std::uint8_t> seen(dates * n, 0);
    std::size_t first = dates, last = 0;
    while (lines.next(line)) {
      const std::size_t at = lines.line_number();
      if (!store::split_csv_line(line, fields, storage) || fields.size() != 3) {
        return core::fail_as(core::ErrorKind::Config, "{}:{}: expected 3 fields (date,ticker,score)", name, at);
      }
      const auto date = core::Date::parse(fields[0]);
      if (!date) return core::fail_as(core::ErrorKind::Config, "{}:{}: field date: not a YYYY-MM-DD date: '{}'", name, at, fields[0]);
      const auto score = store::parse_double(fields[2]);
      if (!score || *score < 0 || *score > 1) {
        return core::fail_as(core::ErrorKind::Config, "{}:{}: field score: not a probability in [0, 1]: '{}'", name, at,
                             fields[2]);
      }
      const auto t = panel.date_index(*date);
      const auto it = slot.find(fields[1]);
      if (!t || it == slot.end()) continue;
      const std::size_t cell = *t * n + it->second;
      if (seen[cell]) {
        return core::fail_as(core::ErrorKind::Config, "{}:{}: a second score for {} on {}", name, at, fields[1], fields[0]);
      }
      seen[cell] = 1;
      out.features.values[cell * count + column] = static_cast<float>((*score - 0.5) * 10);
      out.features.values[cell * count + column + 1] = 1.0f;
      first = std::min(first, *t);
      last = std::max(last, *t);
    }
    if (first == dates) return core::fail_as(core::ErrorKind::Config, "{}: no score for any ticker and date of the data", name);
    out.first_scored_day = std::max(out.first_scored_day, first);
    out.last_scored_day = std::min(out.last_scored_day, last);
  }
  return out;
}

}  // namespace kestrel::rl
