#pragma once
// Yahoo-style CSV download: GET /v7/finance/download/TICKER?period1=…&period2=…&interval=1d
// &events=history, period1/period2 in Unix seconds (period2 exclusive), answering
// Date,Open,High,Low,Close,Adj Close,Volume oldest first, with "null" rows for days without
// prices (skipped). A fallback vendor: no corporate actions, no API key.
#include <string_view>

#include "adapters/vendor.hpp"

namespace kestrel::adapters {

inline constexpr std::string_view kYahooBaseUrl = "https://query1.finance.yahoo.com";

core::Result<store::BarFile> parse_yahoo_csv(std::string_view body, const std::string& ticker);

class YahooClient final : public DailyBarVendor {
 public:
  explicit YahooClient(Fetcher& fetcher) : fetcher_(fetcher) {}
  std::string_view name() const override { return "yahoo"; }
  VendorResult<store::BarFile> fetch_daily(const DailyRequest& request) override;

 private:
  Fetcher& fetcher_;
};

}  // namespace kestrel::adapters
