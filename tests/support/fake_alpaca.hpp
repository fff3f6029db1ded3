#pragma once
// A fake Alpaca (Trading API v2) on 127.0.0.1 for the broker's tests: REST on one port
// (orders, order by client order id, cancel, cancel all, positions, close all, account) and the
// trade_updates websocket stream on another, with Alpaca's own replies and error texts
// ({"code": 40310000, "message": "insufficient buying power"}, 422 "client_order_id must be
// unique", 429 "rate limit exceeded" with X-Ratelimit-* headers, …). Orders fill only when the
// test says (fill(), fill_market_orders()), like a market that opens on command.
//
// Regulatory fees on request (charge_regulatory_fees): each sell fill is charged the SEC fee
// and the FINRA TAF, rounded up to the cent, from the cash and as account activities of type
// FEE (GET /v2/account/activities/FEE), apart from the fill — as Alpaca does.
//
// As unkind as the real one on request: a 5xx or a reply slower than the client's timeout
// *after* the order was accepted, 429s, duplicate and out-of-order stream events, a dropped
// stream, a position changed outside the bot, a rejected order.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace httplib {
class Server;
}

namespace kestrel::testing {

struct FakeAlpacaOrder {
  std::string id, client_order_id, symbol, side, type, time_in_force, status, order_class;
  std::int64_t qty = 0, filled_qty = 0;
  double filled_value = 0;  // Σ shares × price
  double limit_price = 0, stop_price = 0;
  std::string parent;  // a leg's parent id
  std::vector<std::string> legs;
  std::int64_t created_ns = 0, updated_ns = 0;
};

class FakeAlpaca {
 public:
  FakeAlpaca(std::string key_id, std::string secret_key, std::vector<std::string> symbols, double cash = 100'000);
  ~FakeAlpaca();

  std::string trading_url() const;  // http://127.0.0.1:PORT
  std::string stream_url() const;   // ws://127.0.0.1:PORT/stream

  // The market, as the test runs it.
  void set_price(const std::string& symbol, double price);  // what buying power and closing use
  // Fills `qty` more shares of the order (by client order id) at `price`; sends the event.
  void fill(const std::string& client_order_id, std::int64_t qty, double price);
  // Fills every open market order in full at its symbol's price (the open).
  void fill_market_orders();
  void expire(const std::string& client_order_id);
  void set_position(const std::string& symbol, std::int64_t qty, double average_price);  // outside the bot
  // A GTC limit order placed in the dashboard, not by the bot; returns its client order id.
  std::string place_by_hand(const std::string& symbol, const std::string& side, std::int64_t qty, double limit_price);

  // SEC fee (rate × sold value) and FINRA TAF (per share sold, capped), each rounded up to the
  // cent, on every sell fill from now on.
  void charge_regulatory_fees(double sec_rate = 0.0000278, double taf_per_share = 0.000166, double taf_max = 8.30);
  double fees_charged() const;

  // Faults, each for the next order POST only.
  void fail_next_order(int status, bool accept_it);      // 500/503 after (or instead of) accepting
  void delay_next_order(std::chrono::milliseconds delay);  // accepts, then answers late
  void throttle_next(int requests, int reset_after_seconds);  // 429s for any request
  // The stream.
  void duplicate_events(bool on);
  void hold_events();                      // queue events…
  void release_events(bool reversed);      // …and send them, in reverse order if asked
  void drop_stream();                      // close every stream connection
  void refuse_stream(bool on);             // reset new stream connections (an outage) while on
  int stream_connections() const;          // authorized and listening, ever
  int live_stream_connections() const;

  // What it holds.
  std::vector<FakeAlpacaOrder> orders() const;
  int orders_with_client_id(const std::string& client_order_id) const;
  std::map<std::string, std::pair<std::int64_t, double>> positions() const;  // symbol -> qty, average price
  double cash() const;
  int requests(const std::string& method_and_path_prefix) const;

 private:
  struct Stream;
  nlohmann::json order_json(const FakeAlpacaOrder& o) const;
  void send_event(const std::string& event, const FakeAlpacaOrder& o, const std::string& execution_id = {},
                  std::int64_t qty = 0, double price = 0);
  void book_fill(FakeAlpacaOrder& o, std::int64_t qty, double price);
  FakeAlpacaOrder* find_by_client_id(const std::string& cid);
  FakeAlpacaOrder* find_by_id(const std::string& id);
  std::string next_id();
  void serve_rest();

  std::string key_, secret_;
  std::vector<std::string> symbols_;
  mutable std::mutex mutex_;
  double cash_;
  std::map<std::string, double> prices_;
  std::map<std::string, std::pair<std::int64_t, double>> positions_;
  std::vector<FakeAlpacaOrder> orders_;
  struct Fees {
    double sec_rate = 0, taf_per_share = 0, taf_max = 0;
  };
  std::optional<Fees> fees_;
  std::vector<nlohmann::json> fee_activities_;  // ascending by id
  double fees_charged_ = 0;
  std::int64_t sequence_ = 0;
  std::optional<std::pair<int, bool>> fail_next_;
  std::optional<std::chrono::milliseconds> delay_next_;
  int throttle_left_ = 0;
  bool duplicate_ = false;
  bool holding_ = false;
  std::vector<std::string> held_;
  int throttle_reset_after_ = 1;
  int cancels_finish_in_ = 0;  // order listings until a cancel-all's pending cancels are done
  std::vector<std::string> requests_;
  std::unique_ptr<httplib::Server> rest_;
  std::thread rest_thread_;
  int rest_port_ = 0;
  std::unique_ptr<Stream> stream_;
};

}  // namespace kestrel::testing
