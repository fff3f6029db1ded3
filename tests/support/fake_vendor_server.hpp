#pragma once
// A fake market-data vendor on 127.0.0.1 for collector tests. It serves a generated daily
// history in Alpha Vantage's TIME_SERIES_DAILY and TIME_SERIES_DAILY_ADJUSTED formats (GET
// /query, JSON or CSV; a free key gets the vendor's premium notices for the adjusted function
// and for outputsize=full) and Yahoo's chart API with its session (GET / sets the A3 cookie
// on a 404 page as fc.yahoo.com does, GET /v1/test/getcrumb needs that cookie, GET
// /v8/finance/chart/TICKER needs both, answering 401 "Invalid Crumb"/"Invalid Cookie"
// otherwise and 404 "No data found, symbol may be delisted" for unknown tickers; the closed
// /v7/finance/download answers 401 "User is not logged in"). It injects faults per ticker:
// 5xx, 429, replies slower than the client's read timeout, bodies trickled byte by byte,
// oversized bodies, throttle notices, stale crumbs, malformed bodies and vendor error
// messages. Vendor texts are the vendors' own, word for word.
//
// Alpaca's Market Data API v2 too: GET /v2/stocks/bars (symbols, timeframe=1Day, start, end,
// adjustment=raw|all, feed=sip|iex, limit, page_token), keys in the APCA-API-KEY-ID and
// APCA-API-SECRET-KEY headers (403 {"message": "forbidden"} otherwise), bars stamped at
// midnight New York in UTC (05:00Z in winter, 04:00Z in summer), paged by next_page_token, an
// unknown symbol answered with no bars, and on the free plan a request for SIP data reaching
// the fake's "today" refused with 403 "subscription does not permit querying recent SIP data".
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/date.hpp"
#include "store/records.hpp"

namespace httplib {
class Server;
}

namespace kestrel::testing {

class FakeSleepClock;

struct FakeDay {
  store::Bar bar;
  double dividend = 0;
  double split = 1;
};

// Weekdays from 2024-01-02; prices are whole cents so formatted and parsed values compare
// exactly. Ticker `index` varies the level; dividends and a split appear on fixed days.
std::vector<FakeDay> make_history(int index, int days);

enum class Fault {
  ServerError,   // HTTP 503
  Slow,          // replies after 600 ms
  Note,          // 200 {"Note": "…call frequency is 5 calls per minute…"} (the older burst notice)
  Information,   // 200 {"Information": "…spreading out … (1 request per second)…"}: burst limit
  DailyLimit,    // 200 {"Information": "…standard API rate limit is 25 requests per day…"}
  PremiumEndpoint,  // 200 {"Information": "…This is a premium endpoint…"}
  TruncatedJson, // 200 with the JSON body cut in half
  TextInNumber,  // 200 with "abc" in a close price
  ErrorMessage,  // 200 {"Error Message": "Invalid API call…"}
  EchoRequest,   // 200 {"Error Message": "…<the full request URL, apikey included>"}
  TooManyRequests,  // HTTP 429 "Edge: Too Many Requests" (Yahoo's throttling)
  StaleCrumb,    // Yahoo: the crumb expires just before this chart request (401 Invalid Crumb)
  Stall,         // replies after 1.5 s: under a generous read timeout, over a 1 s deadline
  Trickle,       // 200, chunked, one byte every 100 ms for up to 10 s
  Oversized,     // 200 with a 2 MiB body and its Content-Length
  OversizedChunked,  // 200 with a 2 MiB body, chunked (no Content-Length)
};

struct SeenRequest {
  std::string path;
  std::string symbol;
  std::string outputsize;  // Alpha Vantage
  std::string datatype;    // Alpha Vantage
  std::string function;    // Alpha Vantage
  std::string period1;     // Yahoo chart
  std::int64_t clock_ms = -1;  // the injected clock's time when the request arrived
  std::string query;       // the full path and query as received
};

class FakeVendorServer {
 public:
  explicit FakeVendorServer(std::string api_key, FakeSleepClock* clock = nullptr);
  ~FakeVendorServer();

  std::string base_url() const;

  void set_history(const std::string& ticker, std::vector<FakeDay> days);
  const std::vector<FakeDay>& history(const std::string& ticker) const;
  // Serve only days up to `last` (nullopt: all), to simulate time passing.
  void set_visible_until(std::optional<core::Date> last);
  // Adds `delta` to every adjusted close, as a vendor re-basing adjustments would.
  void shift_adjusted_closes(const std::string& ticker, double delta);
  // The next `times` requests for `ticker` get `fault` (times < 0: every request).
  void inject(const std::string& ticker, Fault fault, int times = 1);
  void clear_faults();
  // A premium Alpha Vantage key (the default) may use TIME_SERIES_DAILY_ADJUSTED and
  // outputsize=full; a free one gets the vendor's notices instead.
  void set_premium(bool premium);
  // Yahoo: the cookie page sets no cookie (as behind a consent page).
  void withhold_yahoo_cookie(bool withhold);
  int yahoo_crumbs_issued() const;
  // Yahoo's chart has null values on this day.
  void add_yahoo_null_row(core::Date date);

  // Alpaca: the key pair it accepts, whether the plan includes recent SIP data, and the day
  // it takes for today (requests for SIP data ending on or after it are "recent").
  void set_alpaca_keys(std::string key_id, std::string secret_key);
  void set_alpaca_plan(bool sip_subscription, core::Date today);

  std::vector<SeenRequest> requests() const;
  std::size_t request_count(const std::string& symbol) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace kestrel::testing
