#pragma once
// Drives the trading kernel day by day over a hand-made panel, like the backtest loop and the
// node do, with the simulated venue behind an optional delay: DelayedVenue holds the venue's
// answers (and, if asked, the kernel's cancel requests) until the test releases them — a
// broker whose replies arrive later, out of step with the kernel.
#include <deque>
#include <vector>

#include "core/clock.hpp"
#include "sim/simulated_venue.hpp"
#include "support/market_scenario.hpp"
#include "trading/kernel.hpp"

namespace kestrel::testing {

class DelayedVenue final : public execution::ExecutionClient, public execution::ExecutionEventSink {
 public:
  DelayedVenue(const store::Panel& panel, const portfolio::PortfolioConfig& account, const core::Clock& clock,
               execution::ExecutionEventSink& kernel)
      : venue_(panel, sim::BrokerConfig{}, account, clock, *this), kernel_(&kernel) {}

  bool hold_events = false;   // keep the venue's answers until release()
  bool hold_cancels = false;  // keep cancel requests until release()

  std::string_view name() const override { return "delayed-sim"; }
  core::Status submit(const execution::Order& order) override {
    ++submitted;
    return venue_.submit(order);
  }
  core::Status cancel(const execution::Order& order) override {
    if (hold_cancels) {
      cancels_.push_back(order);
      return {};
    }
    return venue_.cancel(order);
  }
  core::Result<std::vector<execution::VenueOrder>> open_orders() override { return venue_.open_orders(); }
  core::Result<std::vector<execution::VenuePosition>> positions() override { return venue_.positions(); }
  core::Result<execution::VenueAccount> account() override { return venue_.account(); }
  void on_order_event(execution::OrderEvent event) override {
    if (hold_events) {
      events_.push_back(std::move(event));
    } else {
      kernel_->on_order_event(std::move(event));
    }
  }
  // Sends the held cancels to the venue, then hands every held answer to the kernel.
  void release() {
    hold_cancels = false;
    hold_events = false;
    for (const auto& o : cancels_) (void)venue_.cancel(o);
    cancels_.clear();
    for (auto& e : events_) kernel_->on_order_event(std::move(e));
    events_.clear();
  }
  sim::SimulatedVenue& venue() { return venue_; }
  std::size_t held_events() const { return events_.size(); }
  int submitted = 0;

 private:
  sim::SimulatedVenue venue_;
  execution::ExecutionEventSink* kernel_;
  std::vector<execution::Order> cancels_;
  std::vector<execution::OrderEvent> events_;
};

// No costs, no trade rules, no risk limits unless a test sets them.
inline trading::KernelConfig plain_kernel_config() {
  trading::KernelConfig c;
  c.risk.enabled = false;
  c.rules = trading::TradeRules{.stop_loss = 0, .breakeven_after = 0, .trail = 0, .time_stop_days = 0,
                                .max_positions = 0, .min_position = core::Money{}};
  return c;
}

struct KernelHarness {
  KernelHarness(const store::Panel& p, trading::KernelConfig config, strategy::Strategy& strategy)
      : panel(&p), kernel(p, config, strategy, clock), venue(p, config.portfolio, clock, kernel) {
    kernel.connect(venue);
  }
  void start() { ASSERT_TRUE(kernel.start(0)); }
  // The open and the session of day t (fills), without the close.
  void open(std::size_t t) {
    (void)clock.advance_to(core::at_time_of_day(panel->dates()[t], core::kSessionOpenSecond));
    kernel.begin_session(t);
    venue.venue().process_session(t);
    kernel.process_events();
  }
  void close(std::size_t t) {
    (void)clock.advance_to(core::at_time_of_day(panel->dates()[t], core::kSessionCloseSecond));
    venue.venue().end_session(t);
    kernel.end_session(t);
  }
  void day(std::size_t t) {
    open(t);
    close(t);
  }
  const store::Panel* panel;
  core::SimClock clock;
  trading::TradingKernel kernel;
  DelayedVenue venue;
};

}  // namespace kestrel::testing
