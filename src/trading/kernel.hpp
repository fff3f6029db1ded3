#pragma once
// The trading kernel: the one piece of code between a strategy and a venue, the same in
// backtest, paper and live trading. It implements the strategy's context (market view,
// portfolio, order entry, target weights), keeps the local order store (OMS) that every
// decision reads, gates entries (max positions, minimum size), turns target weights into
// orders, manages the trade-rule exits (stop, break-even, trail, time stop), passes every
// strategy order through the risk manager, and owns the kill switch. Modes differ only in
// what drives it: the clock, the data (a Panel the driver keeps current) and the
// ExecutionClient.
//
// The driver calls, for each trading day t:
//   begin_session(t)   at the open: the risk manager starts its day; the kill switch, if due,
//                      cancels everything and flattens;
//   (the venue runs the session; its events queue in the kernel)
//   process_events()   books what the venue reported: order states, fills (strategy.on_fill);
//   end_session(t)     at the close: marks, borrow, risk, trade rules, strategy.on_bar, and
//                      sends the day's orders (eligible from the next session).
//
// Point in time: from begin_session(t) until end_session(t) the market view stands at t-1
// (the last completed bar), so nothing running during the session — fills, on_fill, orders
// placed from it — can read bar t's high, low or close. Reference prices for sizing and risk
// come from that view.
//
// One position's exits are one-cancels-other: when a fill closes (or flips) a position, every
// other working exit of it is cancelled; a strategy order that reduces a position first asks
// the venue to cancel the position's protective stops and is held until the venue confirms
// (a broker reserves the shares a working stop may sell, and a stop and a market sell must
// never both fill). A held exit whose position has meanwhile closed is withdrawn.
//
// Orders are created New in the OMS and handed to the venue in batches (before_send lets the
// journal commit them first). Venue events only queue (on_order_event may be called from
// any thread through the venue); the kernel applies them in process_events().
#include <cstddef>
#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "execution/execution_client.hpp"
#include "execution/order_store.hpp"
#include "portfolio/portfolio.hpp"
#include "risk/risk_manager.hpp"
#include "store/panel.hpp"
#include "strategy/strategy.hpp"
#include "trading/kernel_config.hpp"
#include "trading/kernel_observer.hpp"

namespace kestrel::trading {

class TradingKernel final : public strategy::StrategyContext, public execution::ExecutionEventSink {
 public:
  TradingKernel(const store::Panel& panel, KernelConfig config, strategy::Strategy& strategy,
                const core::Clock& clock);

  void connect(execution::ExecutionClient& venue) { venue_ = &venue; }
  void set_observer(KernelObserver* observer) { observer_ = observer; }

  // Before the first session: validates the configuration, sets up the risk manager and
  // runs the strategy's on_start (seeing only bars before `first_session`).
  core::Status start(std::size_t first_session);
  void begin_session(std::size_t t);
  void process_events();
  void end_session(std::size_t t);
  void finish();

  // Engages the kill switch now: the risk manager halts, every open order is cancelled and,
  // when `flatten`, every position gets a market order to close it at the next session.
  void engage_kill_switch(const std::string& reason, bool flatten);
  // Lifts a halt (drawdown or kill switch): an operator's decision.
  void resume(const std::string& reason);
  // The operator adopted the broker's share count of `i` (a reconciliation difference the
  // journal cannot explain, e.g. a trade placed by hand): booked like a fill of the difference
  // at `price`, without fees and outside any order. Exits of a position this closes are
  // cancelled; its trade-rule state starts afresh. The cash is set apart (book_cash).
  core::Status adopt_position(InstrumentId i, core::Quantity quantity, core::Price price);
  // Cash the broker moved outside any fill (a regulatory fee charged as an account activity).
  void book_cash(core::Money delta) {
    portfolio_.adjust_cash(delta);
    projection_stale_ = true;
  }

  // The first error that stopped the kernel (accounting, journal, venue), if any.
  const std::optional<core::Error>& error() const { return error_; }
  const execution::OrderStore& orders() const { return orders_; }
  execution::OrderStore& mutable_orders() { return orders_; }
  const risk::RiskManager* risk_manager() const { return risk_ ? &*risk_ : nullptr; }
  risk::RiskManager* mutable_risk_manager() { return risk_ ? &*risk_ : nullptr; }
  const KernelConfig& config() const { return config_; }
  const store::Panel& panel() const { return *panel_; }
  // The panel was replaced by one with the same tickers and more dates (a live node's
  // refreshed data); views are rebuilt.
  core::Status update_panel(const store::Panel& panel);
  std::size_t session() const { return session_; }

  // StrategyContext
  const strategy::MarketView& market() const override { return view_; }
  const portfolio::Portfolio& portfolio() const override { return portfolio_; }
  std::span<const InstrumentId> universe() const override { return universe_; }
  core::Result<execution::OrderId> submit(execution::OrderRequest request) override;
  core::Status cancel(execution::OrderId id) override;
  void set_target_weights(std::span<const strategy::TargetWeight> targets) override;
  std::size_t open_slots() const override;
  const execution::Order* order(execution::OrderId id) const override { return orders_.order(id); }
  void report_error(core::Error error) override { fail(std::move(error)); }

  // ExecutionEventSink: queued, applied by process_events().
  void on_order_event(execution::OrderEvent event) override;

 private:
  struct RuleState {
    execution::OrderId stop_order = 0;  // the working protective stop
    execution::OrderId exit_order = 0;  // a working time-stop exit
    core::Price stop_level{};
    core::Quantity protected_quantity = 0;
    double best = 0;                    // best close since entry
    bool trailing = false;
  };
  struct OrderFlags {
    bool exit = false;           // reduced the position when created
    bool counted_entry = false;  // counted in pending_entries_
    bool counted_exit = false;   // counted in open_strategy_exits_
  };

  bool rules_enabled() const;
  void apply_rules(std::size_t t);
  // A New order in the OMS (strategy orders must have passed gating and risk first).
  core::Result<execution::OrderId> create(execution::OrderRequest request, execution::OrderOrigin origin);
  // Strategy orders: the risk manager's approved (maybe resized) request, or the denial.
  // confidence: the target's model confidence (NaN: none), for risk's min_open_confidence.
  core::Result<execution::OrderRequest> check_risk(execution::OrderRequest request,
                                                   double confidence = std::numeric_limits<double>::quiet_NaN());
  void request_cancel(execution::OrderId id, const std::string& reason);
  void apply(const execution::OrderEvent& event);
  void book_fill(const execution::Fill& fill);
  // Sends every New order that may go now (journaled first through the observer).
  void flush();
  bool held(const execution::Order& order) const;
  bool working(execution::OrderId id) const;
  core::Status construct_portfolio();
  void fail(core::Error error);
  core::Date session_date() const { return panel_->dates()[session_]; }

  const store::Panel* panel_;
  KernelConfig config_;
  strategy::Strategy* strategy_;
  const core::Clock* clock_;
  execution::ExecutionClient* venue_ = nullptr;
  KernelObserver* observer_ = nullptr;
  portfolio::Portfolio portfolio_;
  strategy::MarketView view_;
  std::vector<InstrumentId> universe_;
  execution::OrderStore orders_;
  std::vector<OrderFlags> flags_;  // by order id
  std::vector<RuleState> rules_;
  std::vector<std::uint16_t> pending_entries_;  // open entry orders per instrument
  std::size_t instruments_pending_ = 0;
  std::vector<std::uint16_t> pending_cancels_;  // exit orders awaiting a cancel confirmation, per instrument
  std::vector<std::uint16_t> open_strategy_exits_;  // the strategy's open exit orders, per instrument
  std::vector<portfolio::RoundTrip> closed_;
  std::vector<std::uint8_t> touched_;  // set_target_weights scratch
  std::vector<strategy::TargetWeight> targets_;
  // The strategy's last targets as it set them, and the drawdown exposure scale they were
  // sized at: when the risk manager's scale moves, they are sized again at the close.
  std::vector<strategy::TargetWeight> strategy_targets_;
  double applied_scale_ = 1.0;
  bool targets_set_this_session_ = false;
  std::optional<risk::RiskManager> risk_;
  // The portfolio as it would be after the orders approved since the last phase change, so
  // that a rebalance's orders are checked together (cash reserve, sector, position counts).
  std::optional<portfolio::Portfolio> projected_;
  bool projection_stale_ = true;
  bool kill_engaged_ = false;
  std::size_t session_ = 0;
  std::mutex inbox_mutex_;
  std::atomic<bool> inbox_pending_{false};  // lets the daily loop skip the lock when nothing came
  std::vector<execution::OrderEvent> inbox_;
  std::size_t unsent_ = 0;                  // orders in state New (flush has work)
  std::vector<execution::OrderEvent> batch_;
  std::vector<execution::OrderId> sending_;
  std::optional<core::Error> error_;
};

}  // namespace kestrel::trading
