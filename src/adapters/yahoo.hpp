#pragma once
// Yahoo Finance's chart API: GET /v8/finance/chart/TICKER?period1=…&period2=…&interval=1d
// &events=div,splits&includeAdjustedClose=true&crumb=…, period1/period2 in Unix seconds
// (period2 exclusive). It is unofficial: Yahoo documents no API, and this one can change or
// close without notice (the CSV download, /v7/finance/download, was shut in September 2024
// and now answers 401 "User is not logged in"). Supported sources are Alpaca's market data
// and Alpha Vantage.
//
// The reply: {"chart": {"result": [{"meta": {"gmtoffset": -18000, …}, "timestamp": [UNIX s,
// …], "events": {"dividends": {"<ts>": {"amount", "date"}}, "splits": {"<ts>": {"date",
// "numerator", "denominator", "splitRatio"}}}, "indicators": {"quote": [{"open": […], "high",
// "low", "close", "volume"}], "adjclose": [{"adjclose": […]}]}}], "error": null}}. A timestamp
// is the session's open; its exchange-local day is the bar's date. A day with any null value
// is skipped. Errors: {"chart": {"result": null, "error": {"code": "Not Found",
// "description": "No data found, symbol may be delisted"}}} (HTTP 404, sometimes 200) for
// the ticker; HTTP 401 {"finance": {…"description": "Invalid Crumb"}} for the session.
//
// The session: GET a page (https://fc.yahoo.com, which answers 404) that sets a cookie (A3),
// then GET /v1/test/getcrumb with that cookie for a "crumb"; chart requests carry both. A 401
// naming the crumb or cookie gets one fresh session and one retry.
#include <optional>
#include <string>
#include <string_view>

#include "adapters/vendor.hpp"

namespace kestrel::adapters {

inline constexpr std::string_view kYahooBaseUrl = "https://query1.finance.yahoo.com";
// Hands out the session cookie, on another host than the API.
inline constexpr std::string_view kYahooCookieUrl = "https://fc.yahoo.com";

// Parses a chart reply; `ticker` names the series in messages. Bars ascending; dividends and
// splits (numerator/denominator as the split coefficient) as corporate actions, one per day.
core::Result<store::BarFile> parse_yahoo_chart(std::string_view body, const std::string& ticker);

class YahooClient final : public DailyBarVendor {
 public:
  // `cookie_fetcher` reaches the page that sets the session cookie (GET /); it may be
  // `fetcher` itself when the API's host sets it (a test server, a mirror).
  YahooClient(Fetcher& fetcher, Fetcher& cookie_fetcher);
  explicit YahooClient(Fetcher& fetcher) : YahooClient(fetcher, fetcher) {}
  std::string_view name() const override { return "yahoo"; }
  VendorResult<store::BarFile> fetch_daily(const DailyRequest& request) override;

 private:
  struct Session {
    std::string cookie;  // "A3=…; …" as the Cookie header
    std::string crumb;
  };
  VendorResult<Session> open_session();

  Fetcher& fetcher_;
  Fetcher& cookie_fetcher_;
  std::optional<Session> session_;
};

}  // namespace kestrel::adapters
