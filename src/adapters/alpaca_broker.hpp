#pragma once
// Alpaca as an ExecutionClient: the trading node's orders go to Alpaca's paper or live account,
// and what Alpaca does with them comes back as order events, from the trade_updates stream and
// from REST sweeps — the same events the simulated venue produces, so the kernel cannot tell.
//
// Idempotency: every order carries the kernel's client order id. An order POST is never
// retried blindly: after a 5xx or a timeout the order is looked up by its client order id and
// only an order Alpaca does not have is sent again; a lookup that fails too leaves the outcome
// unknown (an Unavailable error: the kernel keeps the order Submitted until a sweep finds it).
//
// Fills: Alpaca reports cumulative quantities (filled_qty, filled_avg_price). Each order's
// booked quantity and value are kept here, and a fill event carries only what is new, priced
// so that the totals match Alpaca's — so an update seen twice, out of order, or both from the
// stream and from a sweep is booked once. Execution ids come from Alpaca where it gives one.
//
// Bracket and one-triggers-other orders: Alpaca names the legs itself; they are matched to the
// kernel's children by type (the limit leg is the take-profit, the stop leg the stop-loss).
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "adapters/alpaca_rest.hpp"
#include "adapters/alpaca_stream.hpp"
#include "core/clock.hpp"
#include "execution/execution_client.hpp"

namespace kestrel::adapters {

class AlpacaBroker final : public execution::ExecutionClient {
 public:
  // `tickers[i]` is the symbol of instrument i.
  AlpacaBroker(AlpacaSettings settings, std::vector<std::string> tickers, execution::ExecutionEventSink& sink,
               SleepClock& sleep, const core::Clock& clock, LogSink log);
  ~AlpacaBroker() override;

  std::string_view name() const override { return "alpaca"; }
  core::Status submit(const execution::Order& order) override;
  core::Status cancel(const execution::Order& order) override;
  core::Result<std::vector<execution::VenueOrder>> open_orders() override;
  core::Result<std::vector<execution::VenuePosition>> positions() override;
  core::Result<execution::VenueAccount> account() override;

  // The stream: started by the node, stopped on shutdown.
  void start_stream();
  void stop_stream();
  bool stream_listening() const { return stream_ && stream_->listening(); }
  // Has the stream connected at least once or failed trying (not still connecting at start)?
  bool stream_settled() const { return stream_ && (stream_->connections() > 0 || !stream_->last_error().empty()); }
  std::string stream_last_error() const { return stream_ ? stream_->last_error() : std::string(); }
  // Brings every known order up to date from REST (after a reconnect, at start-up): events
  // for whatever the stream did not deliver.
  core::Status sweep();
  // Tells the broker about an order it did not send in this process (a restarted node's open
  // orders), so that its events are recognised.
  void track(const execution::Order& order, core::Quantity filled, core::Money filled_value);
  // The kill switch at the broker: cancel every open order in the account — the node's and any
  // placed outside it (DELETE /v2/orders) — then check that none is left open, asking again
  // for up to `verify_for` while Alpaca works through the cancellations. Fails, naming them,
  // when some stay open. The kernel's own flattening orders go out after this, so they are
  // not caught by it.
  core::Status cancel_all_and_verify(std::chrono::milliseconds verify_for = std::chrono::seconds(10));
  // The regulatory fees (SEC fee, FINRA TAF) Alpaca charged after the activity `after_id`:
  // account activities of type FEE, not part of any fill.
  core::Result<std::vector<alpaca::Activity>> fees_after(const std::string& after_id) {
    return rest_.activities("FEE", after_id);
  }
  // The REST requests so far (count, failures, time waiting), for the node's health metrics.
  const AlpacaRest::RequestStats& request_stats() const { return rest_.request_stats(); }

 private:
  struct Tracked {
    execution::OrderId local = 0;
    std::string client_order_id;
    std::string alpaca_id;
    core::Quantity filled = 0;
    double filled_value = 0;  // Σ shares × price booked so far
    bool done = false;
  };
  void on_trade_update(const nlohmann::json& data);
  // Events that bring `order` (Alpaca's view) and its legs up to date; called with mutex_ held.
  void apply(const alpaca::Order& order, std::string_view execution_id, core::UnixNanos ts);
  void adopt(const execution::Order& order, const alpaca::Order& at_alpaca);
  core::Result<std::optional<alpaca::Order>> look_up(const std::string& client_order_id);
  std::optional<execution::InstrumentId> instrument_of(const std::string& symbol) const;
  void emit(execution::OrderEvent event);

  AlpacaSettings settings_;
  std::vector<std::string> tickers_;
  std::unordered_map<std::string, execution::InstrumentId> by_symbol_;
  execution::ExecutionEventSink* sink_;
  SleepClock* sleep_;
  const core::Clock* clock_;
  LogSink log_;
  AlpacaRest rest_;
  std::unique_ptr<AlpacaStream> stream_;
  std::recursive_mutex mutex_;  // the stream thread and the kernel's thread
  std::unordered_map<std::string, Tracked> by_client_id_;
  std::unordered_map<std::string, std::string> client_id_by_alpaca_id_;
};

}  // namespace kestrel::adapters
