#pragma once
// One contract, two venues: the simulated venue and Alpaca (against the fake server) behind the
// same ExecutionClient, driven the same way — submit, let the market open, cancel — with the
// events they produce collected (the Alpaca stream delivers them on its own thread, so the
// harness waits for them).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "adapters/alpaca_broker.hpp"
#include "adapters/sleep_clock.hpp"
#include "core/clock.hpp"
#include "execution/execution_client.hpp"
#include "sim/simulated_venue.hpp"
#include "support/fake_alpaca.hpp"
#include "support/market_scenario.hpp"

namespace kestrel::testing {

class CollectedEvents final : public execution::ExecutionEventSink {
 public:
  void on_order_event(execution::OrderEvent event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<execution::OrderEvent> snapshot() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // Waits (up to 5 s) until `done` holds for the events so far.
  bool wait_for(const std::function<bool(const std::vector<execution::OrderEvent>&)>& done) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(snapshot())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return done(snapshot());
  }
  bool wait_for_kind(const std::string& cid, execution::OrderEventKind kind) const {
    return wait_for([&](const auto& events) {
      for (const auto& e : events) {
        if (e.client_order_id == cid && e.kind == kind) return true;
      }
      return false;
    });
  }
  core::Quantity filled(const std::string& cid) const {
    core::Quantity q = 0;
    for (const auto& e : snapshot()) {
      if (e.client_order_id == cid && e.kind == execution::OrderEventKind::Fill) q += e.quantity;
    }
    return q;
  }
  std::size_t count(const std::string& cid, execution::OrderEventKind kind) const {
    std::size_t n = 0;
    for (const auto& e : snapshot()) n += e.client_order_id == cid && e.kind == kind ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<execution::OrderEvent> events_;
};

inline const std::vector<std::string> kSymbols{"AAA", "BBB"};
inline constexpr double kPrice = 50.0;
inline constexpr double kCash = 100'000.0;

class VenueUnderTest {
 public:
  virtual ~VenueUnderTest() = default;
  virtual execution::ExecutionClient& client() = 0;
  virtual void open_market() = 0;  // market orders fill at kPrice
  virtual std::string name() const = 0;
  CollectedEvents events;
};

class SimVenueUnderTest final : public VenueUnderTest {
 public:
  SimVenueUnderTest()
      : panel_(store::Panel::build({make_series("AAA", std::vector<std::optional<BarSpec>>(20, flat(kPrice))),
                                    make_series("BBB", std::vector<std::optional<BarSpec>>(20, flat(kPrice)))})),
        venue_(panel_, sim::BrokerConfig{}, portfolio::PortfolioConfig{.initial_cash = core::Money::round(kCash)}, clock_,
               events) {
    venue_.set_next_session(1);
  }
  execution::ExecutionClient& client() override { return venue_; }
  void open_market() override {
    venue_.process_session(session_);
    venue_.end_session(session_);
    ++session_;
  }
  std::string name() const override { return "sim"; }

 private:
  store::Panel panel_;
  core::SimClock clock_;
  sim::SimulatedVenue venue_;
  std::size_t session_ = 1;
};

inline adapters::AlpacaSettings fake_settings(const FakeAlpaca& fake) {
  adapters::AlpacaSettings s;
  s.trading_url = fake.trading_url();
  s.stream_url = fake.stream_url();
  s.key_id = "PKTEST0000000000000";
  s.secret_key = "secret-never-logged";
  s.timeouts = {std::chrono::milliseconds(1'000), std::chrono::milliseconds(400)};
  s.lookup_backoff = std::chrono::milliseconds(20);
  s.reconnect_backoff = std::chrono::milliseconds(50);
  s.stream_idle_timeout = std::chrono::milliseconds(2'000);
  return s;
}

class AlpacaUnderTest final : public VenueUnderTest {
 public:
  AlpacaUnderTest()
      : fake_("PKTEST0000000000000", "secret-never-logged", kSymbols, kCash),
        broker_(fake_settings(fake_), kSymbols, events, sleep_, clock_,
                [this](std::string_view line) {
                  std::lock_guard lock(log_mutex_);
                  log_.emplace_back(line);
                }) {
    for (const auto& s : kSymbols) fake_.set_price(s, kPrice);
    broker_.start_stream();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!broker_.stream_listening() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~AlpacaUnderTest() override { broker_.stop_stream(); }
  execution::ExecutionClient& client() override { return broker_; }
  void open_market() override { fake_.fill_market_orders(); }
  std::string name() const override { return "alpaca"; }
  FakeAlpaca& fake() { return fake_; }
  adapters::AlpacaBroker& broker() { return broker_; }
  std::vector<std::string> log() {
    std::lock_guard lock(log_mutex_);
    return log_;
  }

 private:
  FakeAlpaca fake_;
  adapters::SteadySleepClock sleep_;
  core::SimClock clock_{core::at_time_of_day(core::Date::from_ymd(2024, 1, 2), core::kSessionOpenSecond)};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
  adapters::AlpacaBroker broker_;
};

// An order as the kernel would hand it over.
inline execution::Order an_order(execution::OrderId id, std::string cid, execution::OrderRequest request) {
  execution::Order o;
  o.id = id;
  request.client_order_id = std::move(cid);
  o.request = std::move(request);
  o.status = execution::OrderStatus::Submitted;
  return o;
}

}  // namespace kestrel::testing
