#pragma once
// Daily bars from Alpaca's Market Data API v2, so that a user with an Alpaca account needs no
// other vendor:
//   GET {data_url}/v2/stocks/bars?symbols=T&timeframe=1Day&start=YYYY-MM-DD&end=YYYY-MM-DD
//       &adjustment=raw|all&feed=sip|iex&limit=N&sort=asc[&page_token=…]
// with the keys in the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers (never in a URL or a log).
//
// The reply: {"bars": {"T": [{"t": "2024-01-02T05:00:00Z", "o": 187.15, "h": 188.44,
// "l": 183.885, "c": 185.64, "v": 82488674, "n": 1009074, "vw": 185.9}, …]},
// "next_page_token": "…" or null, "currency": "USD"}. A daily bar's "t" is midnight New York
// time of its session, written in UTC. A symbol with no bars in the range is simply absent
// ("bars": {}), which is also all an unknown symbol gets. A page holds at most `limit` bars;
// next_page_token asks for the rest with the same query.
//
// Each ticker takes three passes over the same range: adjustment=raw (prices and volume as
// traded), adjustment=split (whose steps against raw are the splits, stored as corporate
// actions so that volumes are split-adjusted) and adjustment=all (split- and dividend-adjusted
// prices, whose close is the bar's adj_close). The collector compares the overlap day's
// adjusted close with the stored one, so a dividend that re-bases Alpaca's adjusted history gets
// the whole history rewritten. Dividends are in the adjusted closes only.
//
// Feeds: "sip" (every US exchange) is the default. The free plan may query SIP only up to 15
// minutes ago and answers 403 {"message": "subscription does not permit querying recent SIP
// data"} otherwise; the client then asks again ending the day before (the session's bar will
// come on the next run) and keeps that end for the rest of the run. "iex" is one exchange's
// share of the volume (a few percent), so its volumes and closes differ from the consolidated
// tape: prefer sip. Other errors are JSON {"message": …}: 403 "forbidden" for keys Alpaca does
// not know (every ticker would get it: the vendor stops for the run), 422 for a bad parameter,
// 429 "too many requests." beyond 200 requests a minute on the free plan (retried by the
// Fetcher, which paces calls to stay under the limit).
#include <optional>
#include <string>
#include <string_view>

#include "adapters/vendor.hpp"

namespace kestrel::adapters {

inline constexpr std::string_view kAlpacaDataUrl = "https://data.alpaca.markets";

struct AlpacaBarsOptions {
  std::string key_id;      // never logged: the Fetcher lists both among its secrets
  std::string secret_key;
  std::string feed = "sip";  // or "iex"
  int page_limit = 10'000;   // Alpaca's maximum bars per page
  // Alpaca's stock history starts in 2016; a ticker with nothing stored is fetched from here.
  core::Date first_date = core::Date::from_ymd(2016, 1, 1);
};

// One page of a /v2/stocks/bars reply for `ticker`: its bars (dated by their New York session,
// adj_close = close) and the token for the next page (empty on the last page).
struct AlpacaBarsPage {
  std::vector<store::Bar> bars;
  std::string next_page_token;
};
core::Result<AlpacaBarsPage> parse_alpaca_bars(std::string_view body, const std::string& ticker);

class AlpacaBarsClient final : public DailyBarVendor {
 public:
  // `log` hears about the free plan's SIP cut-off; it may be empty.
  AlpacaBarsClient(Fetcher& fetcher, AlpacaBarsOptions options, LogSink log = {});
  std::string_view name() const override { return "alpaca"; }
  VendorResult<store::BarFile> fetch_daily(const DailyRequest& request) override;

 private:
  // Every page of one adjustment, ascending by date.
  VendorResult<std::vector<store::Bar>> fetch_all_pages(const std::string& ticker, core::Date start, core::Date end,
                                                        std::string_view adjustment);

  Fetcher& fetcher_;
  AlpacaBarsOptions options_;
  LogSink log_;
  // Set after the free plan refused recent SIP data: every later request ends on this day.
  std::optional<core::Date> capped_end_;
};

}  // namespace kestrel::adapters
