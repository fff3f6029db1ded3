#pragma once
// A fake market-data vendor on 127.0.0.1 for collector tests. It serves a generated daily
// history in Alpha Vantage's TIME_SERIES_DAILY and TIME_SERIES_DAILY_ADJUSTED formats (GET
// /query, JSON or CSV; a free key gets the vendor's premium notices, word for word, for the
// adjusted function and for outputsize=full) and
// the Yahoo-style CSV download (GET /v7/finance/download/TICKER), and injects faults per
// ticker: 5xx, replies slower than the client's read timeout, bodies trickled byte by byte,
// oversized bodies, throttle notices, malformed bodies and vendor error messages.
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
  std::string period1;     // Yahoo
  std::int64_t clock_ms = -1;  // the injected clock's time when the request arrived
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
  // Yahoo's download answers this day with a "null" row.
  void add_yahoo_null_row(core::Date date);

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
