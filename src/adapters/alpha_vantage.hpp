#pragma once
// Alpha Vantage daily bars: GET /query?function=…&symbol=…&outputsize=compact|full
// &datatype=json|csv&apikey=…. "compact" returns the latest 100 sessions, "full" the whole
// history. Two functions:
//   TIME_SERIES_DAILY (free keys): prices as traded, no adjusted close, no dividends or
//     splits; free keys get "compact" only ("outputsize=full … is a premium feature").
//     JSON: {"Meta Data": {"2. Symbol": …}, "Time Series (Daily)": {"YYYY-MM-DD": {"1. open",
//     "2. high", "3. low", "4. close", "5. volume"}}} with numbers as strings.
//     CSV: timestamp,open,high,low,close,volume, newest first.
//   TIME_SERIES_DAILY_ADJUSTED (premium keys only): the same plus "5. adjusted close",
//     "6. volume", "7. dividend amount", "8. split coefficient"; CSV timestamp,open,high,low,
//     close,adjusted_close,volume,dividend_amount,split_coefficient.
// Notices arrive as HTTP 200 with {"Note": …} or {"Information": …} (also when CSV was asked
// for), a bad request or unknown symbol as {"Error Message": …}. check_alpha_vantage_body()
// tells them apart (see there).
#include <string>
#include <string_view>

#include "adapters/vendor.hpp"

namespace kestrel::adapters {

inline constexpr std::string_view kAlphaVantageBaseUrl = "https://www.alphavantage.co";

struct AlphaVantageOptions {
  std::string api_key;  // never logged: the Fetcher must list it among its secrets
  enum class DataType { Json, Csv } datatype = DataType::Json;
  // Ask for "compact" when the last stored day is at most this many calendar days old:
  // 100 sessions span about 140 calendar days, so 120 leaves room for holidays.
  // (TIME_SERIES_DAILY always asks for "compact": "full" is premium there.)
  int compact_max_gap_days = 120;
  enum class Function { Daily, DailyAdjusted } function = Function::Daily;
};

std::string_view function_name(AlphaVantageOptions::Function function);

// Classifies notices and error bodies (JSON, whatever datatype was requested):
//   Rejected: {"Error Message": …} (unknown symbol, bad request), a notice calling something
//     invalid;
//   NotEntitled: the key's plan lacks the request ("This is a premium endpoint",
//     "outputsize=full … is a premium feature"): permanent, and the same for every ticker;
//   Throttled: the burst limit ("spreading out your free API requests … (1 request per
//     second)", the older "5 calls per minute"), retried after a backoff;
//   QuotaExhausted: the daily limit ("standard API rate limit is 25 requests per day"), not
//     retried: asking again before the day is over only burns requests.
// Any other notice counts as Throttled. Note that the burst notice ends "unlock all premium
// endpoints" and names the 25-a-day limit: phrases are tested in the order above.
BodyCheck check_alpha_vantage_body(std::string_view body);

// Parses a TIME_SERIES_DAILY[_ADJUSTED] body; `ticker` names the series in messages. Without
// adjustments, adj_close is the close as traded and there are no corporate actions.
core::Result<store::BarFile> parse_alpha_vantage_json(
    std::string_view body, const std::string& ticker,
    AlphaVantageOptions::Function function = AlphaVantageOptions::Function::DailyAdjusted);
core::Result<store::BarFile> parse_alpha_vantage_csv(
    std::string_view body, const std::string& ticker,
    AlphaVantageOptions::Function function = AlphaVantageOptions::Function::DailyAdjusted);

class AlphaVantageClient final : public DailyBarVendor {
 public:
  AlphaVantageClient(Fetcher& fetcher, AlphaVantageOptions options);
  std::string_view name() const override { return "alphavantage"; }
  bool adjusted() const override { return options_.function == AlphaVantageOptions::Function::DailyAdjusted; }
  VendorResult<store::BarFile> fetch_daily(const DailyRequest& request) override;

 private:
  VendorResult<store::BarFile> fetch(const std::string& ticker, bool compact);

  Fetcher& fetcher_;
  AlphaVantageOptions options_;
};

}  // namespace kestrel::adapters
