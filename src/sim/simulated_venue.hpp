#pragma once
// The simulated venue: an ExecutionClient that fills orders from daily bars, used by
// backtests and by the paper-trading node. Like a broker it keeps its own account (cash and
// positions, from its own fills) and reports everything as events; the kernel books the same
// fills from those events, so the two agree unless something is wrong — which is what
// reconciliation checks.
//
// Timing: an order handed over after bar t-1's session is eligible from bar t;
// process_session(t) walks bar t's session in phases, each in submission order:
//   1. open (stamped 09:30 New York): market and market-on-open orders fill at the open;
//      limit, stop, stop-limit and trailing-stop orders whose price the open gapped through
//      fill at the open;
//   2. intraday (stamped at the session's midpoint): stops (stop, stop-limit trigger,
//      trailing) before limits — when a range holds both a take-profit and a stop-loss we
//      assume the loss came first, the conservative reading of a daily bar; they fill at their
//      own price;
//   3. close (stamped 16:00): market-on-close orders fill at the close;
//   4. day orders still open expire.
// No order fills on a day its instrument has no bar. Prices are adjusted (see MarketView).
// A volume participation cap limits the adjusted shares filled per instrument and bar
// (cap × as-traded volume / adjustment factor); the rest carries over to the next bar (GTC) or
// expires with the day (DAY). Buys are limited to the cash available after fees, and sells to
// the shares held unless short selling is enabled; what cannot be filled is cancelled with the
// reason. Bracket children cancel each other and work for the quantity their entry filled:
// from the same session when the entry filled at the open (a broker's bracket protects from
// the entry fill on), else from the next bar (the order of prices inside a bar is unknown).
//
// submit() validates and answers with an Accepted or Rejected event; a rejected order is not
// remembered, so sending it again is judged again (and rejected again). Sending an accepted
// client order id again is a no-op (idempotent retry); reusing it for another request is
// rejected.
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "execution/execution_client.hpp"
#include "portfolio/portfolio.hpp"
#include "sim/cost_models.hpp"
#include "store/panel.hpp"
#include "strategy/market_view.hpp"

namespace kestrel::sim {

struct BrokerConfig {
  SlippageModel slippage;
  CommissionModel commission;
  double participation_cap = 0;  // fraction of the bar's volume; 0 = no cap
};

class SimulatedVenue final : public execution::ExecutionClient {
 public:
  // `account` configures the venue's own book (initial cash, shorting, borrow rate); `clock`
  // stamps acceptances and cancels; events go to `sink`.
  SimulatedVenue(const store::Panel& panel, BrokerConfig config, portfolio::PortfolioConfig account,
                 const core::Clock& clock, execution::ExecutionEventSink& sink);

  std::string_view name() const override { return "sim"; }
  core::Status submit(const execution::Order& order) override;
  core::Status cancel(const execution::Order& order) override;
  core::Result<std::vector<execution::VenueOrder>> open_orders() override;
  core::Result<std::vector<execution::VenuePosition>> positions() override;
  core::Result<execution::VenueAccount> account() override;

  // Runs bar t's session (see the header comment); afterwards submissions are eligible from t+1.
  void process_session(std::size_t t);
  // After bar t's close: marks the book at the close and charges a day of borrow on shorts.
  void end_session(std::size_t t);
  // The panel was replaced by one with the same tickers and more dates (a node's refresh).
  void update_panel(const store::Panel& panel) {
    panel_ = &panel;
    view_ = strategy::MarketView(panel, 0);
  }
  // The session the next submission is eligible for.
  std::size_t next_session() const { return next_session_; }
  void set_next_session(std::size_t t) { next_session_ = t; }

 private:
  struct Working {
    execution::OrderId local = 0;  // the kernel's id, echoed in events
    execution::OrderRequest request;
    core::Quantity filled = 0;
    bool open = true;
    std::size_t eligible_from = 0;
    bool active = true;      // bracket children wait for their entry
    bool triggered = false;  // stop-limit: the stop traded
    double trail_best = 0;   // trailing stop: best price since acceptance (NaN: unknown)
    std::size_t parent = kNone, sibling = kNone, take_profit = kNone, stop_loss = kNone;
    std::uint32_t fills = 0;  // numbers the execution ids
    core::Quantity remaining() const { return request.quantity - filled; }
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t add(execution::OrderId local, execution::OrderRequest request, bool active);
  void emit(execution::OrderEventKind kind, std::size_t k, core::UnixNanos ts, std::string reason = {});
  bool can_trade(std::size_t k, std::size_t t) const;
  void open_phase(std::size_t k, std::size_t t);
  void stop_phase(std::size_t k, std::size_t t);
  void limit_phase(std::size_t k, std::size_t t);
  // Fills up to the order's fillable quantity at `base` (before slippage).
  void fill(std::size_t k, double base, std::size_t t, core::UnixNanos ts);
  core::Quantity fillable(const Working& w) const;
  void finish(std::size_t k, execution::OrderEventKind kind, std::string reason, core::UnixNanos ts);
  void after_fill(std::size_t k, std::size_t t, core::UnixNanos ts);
  double trail_level(const Working& w) const;

  const store::Panel* panel_;
  BrokerConfig config_;
  const core::Clock* clock_;
  execution::ExecutionEventSink* sink_;
  portfolio::Portfolio book_;
  strategy::MarketView view_;
  std::size_t next_session_ = 0;
  std::vector<Working> orders_;             // by venue index (submission order)
  std::vector<std::size_t> open_;           // ascending venue indices
  std::vector<std::size_t> snapshot_;       // process_session's copy of open_ (reused)
  std::unordered_map<std::string, std::size_t> by_client_id_;
  std::vector<portfolio::RoundTrip> scratch_;
  // Participation already used per instrument in the bar `used_bar_`.
  std::vector<double> used_;
  std::vector<std::size_t> used_bar_;
};

}  // namespace kestrel::sim
