#pragma once
// Parsing of every file kind `kestrel data import` accepts. The kind is recognised from the
// header line, so folders can mix bar files with reference files:
//   bars, Kestrel/us-daily: date,open,high,low,close,adj_close,volume
//   bars, Yahoo:            Date,Open,High,Low,Close,Adj Close,Volume
//   bars, Alpha Vantage:    timestamp,open,high,low,close,adjusted_close,volume,
//                           dividend_amount,split_coefficient
//   universe:               ticker,name,sector[,industry]
//   corporate actions:      ticker,date,dividend,split_coefficient
//   quality flags:          ticker,date,flag,detail
// Errors name file:line:column, the field and the reason.
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "store/records.hpp"

namespace kestrel::store {

enum class BarFormat { Kestrel, Yahoo, AlphaVantage, Alpaca };
std::string_view to_string(BarFormat format);

struct BarFile {
  std::string ticker;
  BarFormat format = BarFormat::Kestrel;
  std::vector<Bar> bars;                 // ascending by date
  std::vector<CorporateAction> actions;  // from Alpha Vantage's dividend/split columns
  std::size_t skipped_null_rows = 0;     // Yahoo's "null" rows for days without data
};

struct UniverseFile {
  std::vector<TickerInfo> tickers;
};

struct CorporateActionsFile {
  std::vector<std::pair<std::string, CorporateAction>> actions;
  std::vector<std::string> where;  // "file:line" of each action, for messages
};

struct QualityFlagsFile {
  std::vector<QualityFlag> flags;
  std::vector<std::string> where;  // "file:line" of each flag
};

// The dates any input may carry: a year outside is a typo or a sentinel, not market data.
inline constexpr int kFirstInputYear = 1900;
inline constexpr int kLastInputYear = 2100;
// No exchange ever traded this many shares of a stock in a day; larger values are corrupt
// (1e308 made the volume-ratio features negative).
inline constexpr double kMaxDailyVolume = 1e13;

using InputFile = std::variant<BarFile, UniverseFile, CorporateActionsFile, QualityFlagsFile>;

enum class ParseMode {
  // Import: any defect that makes the file untrustworthy rejects it (negative prices or
  // volume, duplicate dates, malformed lines).
  Strict,
  // Validation of files: value defects are kept so `data validate` can report them all;
  // malformed lines are still errors.
  Lenient,
};

// `source` names the file in messages; `ticker` is used for bar files (default: the file
// name without .csv/.csv.gz).
core::Result<InputFile> parse_input_file(std::string_view text, std::string_view source,
                                         std::string ticker, ParseMode mode = ParseMode::Strict);

core::Result<InputFile> read_input_file(const std::filesystem::path& path,
                                        ParseMode mode = ParseMode::Strict);

// "AAPL.csv.gz" -> "AAPL", "BRK.B.csv" -> "BRK.B".
std::string ticker_from_filename(const std::filesystem::path& path);

// Files and folders -> the .csv/.csv.gz files they contain (folders one level deep), sorted.
core::Result<std::vector<std::filesystem::path>> expand_input_paths(
    const std::vector<std::filesystem::path>& paths);

}  // namespace kestrel::store
