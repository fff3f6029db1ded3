#pragma once
// Alpha Vantage TIME_SERIES_DAILY_ADJUSTED (GET /query?function=…&symbol=…&outputsize=
// compact|full&datatype=json|csv&apikey=…). "compact" returns the latest 100 sessions,
// "full" the whole history. Wire formats:
//   JSON: {"Meta Data": {"2. Symbol": …}, "Time Series (Daily)": {"YYYY-MM-DD": {"1. open",
//          "2. high", "3. low", "4. close", "5. adjusted close", "6. volume",
//          "7. dividend amount", "8. split coefficient"}}} with numbers as strings.
//   CSV:  timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,
//         split_coefficient, newest first.
// Throttling arrives as HTTP 200 with {"Note": …} or {"Information": …} (also when CSV was
// asked for); a bad request or unknown symbol as {"Error Message": …}.
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
  int compact_max_gap_days = 120;
};

// Recognises throttle notices and error bodies (JSON, whatever datatype was requested).
BodyCheck check_alpha_vantage_body(std::string_view body);

// Parses a TIME_SERIES_DAILY_ADJUSTED body; `ticker` names the series in messages.
core::Result<store::BarFile> parse_alpha_vantage_json(std::string_view body, const std::string& ticker);
core::Result<store::BarFile> parse_alpha_vantage_csv(std::string_view body, const std::string& ticker);

class AlphaVantageClient final : public DailyBarVendor {
 public:
  AlphaVantageClient(Fetcher& fetcher, AlphaVantageOptions options);
  std::string_view name() const override { return "alphavantage"; }
  VendorResult<store::BarFile> fetch_daily(const DailyRequest& request) override;

 private:
  VendorResult<store::BarFile> fetch(const std::string& ticker, bool compact);

  Fetcher& fetcher_;
  AlphaVantageOptions options_;
};

}  // namespace kestrel::adapters
