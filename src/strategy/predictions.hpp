#pragma once
// Model predictions as a CSV file, the plug that connects any model to the backtester:
//   date,ticker,score[,confidence]
// One row per (date, ticker); a higher score means a better expected return. A prediction
// dated t may use data up to t's close; it is acted on after that close (fills on t+1).
#include <filesystem>
#include <limits>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/panel.hpp"

namespace kestrel::strategy {

struct Prediction {
  core::Date date{};
  std::uint32_t instrument = 0;
  double score = 0;
  double confidence = std::numeric_limits<double>::quiet_NaN();  // NaN when the column is absent
};

// Parses predictions for the panel's tickers; sorted by date, then file order. Errors name
// source:line:column and the field. Rows for tickers not in the panel are errors.
core::Result<std::vector<Prediction>> parse_predictions(std::string_view text, std::string_view source,
                                                        const store::Panel& panel);
core::Result<std::vector<Prediction>> read_predictions(const std::filesystem::path& path,
                                                       const store::Panel& panel);

}  // namespace kestrel::strategy
