#pragma once
// The node's KernelObserver: turns what the kernel reports into journal rows (orders when
// created, every order event with its fill, risk events and decisions, the day's equity and
// positions) and commits them at the node's checkpoints — before orders are sent, and after
// each step of the day. It forwards everything to a second observer (the node's record).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "store/journal.hpp"
#include "store/panel.hpp"
#include "trading/kernel.hpp"

namespace kestrel::live {

// What happened to orders since the node last asked (for its log lines).
struct OrderActivity {
  int sent = 0, fills = 0, cancelled = 0, expired = 0, rejected = 0;
};

class JournalWriter final : public trading::KernelObserver {
 public:
  JournalWriter(store::Journal& journal, std::string run_id, const store::Panel& panel,
                trading::KernelObserver* next = nullptr);
  void attach(const trading::TradingKernel& kernel) { kernel_ = &kernel; }
  void set_panel(const store::Panel& panel) { panel_ = &panel; }
  void set_benchmark(std::optional<std::uint32_t> benchmark) { benchmark_ = benchmark; }
  // Called after every commit (the node's crash hook for tests).
  void set_commit_hook(std::function<void()> hook) { commit_hook_ = std::move(hook); }
  // Called after every order event written (a re-run with a broker hands over the next
  // journaled events from here: recovering_venue.hpp).
  void set_event_hook(std::function<void()> hook) { event_hook_ = std::move(hook); }

  // Commits what was written since the last checkpoint (nothing open: nothing to do).
  core::Status checkpoint();
  // The first write that failed; the node stops on it.
  const std::optional<core::Error>& error() const { return error_; }

  // Rows the node writes itself.
  void prediction(core::Date date, const std::string& ticker, const std::string& model, double score);
  void decision(core::Date date, const std::string& kind, const std::string& detail);
  std::int64_t next_decision_seq() const { return decision_seq_ + 1; }
  std::int64_t events_written() const { return event_seq_; }
  std::int64_t days_written() const { return days_written_; }
  OrderActivity take_activity() { return std::exchange(activity_, OrderActivity{}); }
  std::int64_t decisions_written() const { return decision_seq_; }

  // KernelObserver
  void on_order_created(const execution::Order& order) override;
  core::Status before_send(std::span<const execution::OrderId> orders) override;
  void on_order_event(const execution::Order& order, const execution::OrderEvent& event) override;
  void on_fill(const execution::Fill& fill) override;
  void on_round_trip(const portfolio::RoundTrip& trip, const execution::Fill& fill) override;
  void on_risk_event(const risk::RiskEvent& event) override;
  void on_decision(std::string_view kind, const std::string& detail) override;
  void on_session_closed(std::size_t t) override;

 private:
  bool open();  // begins a transaction if none is open; false after an error
  void failed(core::Status status);
  std::string ticker(std::uint32_t instrument) const;

  store::Journal* journal_;
  std::string run_id_;
  const store::Panel* panel_;
  trading::KernelObserver* next_;
  const trading::TradingKernel* kernel_ = nullptr;
  std::optional<std::uint32_t> benchmark_;
  double last_benchmark_ = 0;
  bool in_transaction_ = false;
  std::int64_t event_seq_ = 0;
  std::int64_t decision_seq_ = 0;
  std::int64_t orders_sent_today_ = 0;
  OrderActivity activity_;
  std::function<void()> commit_hook_;
  std::function<void()> event_hook_;
  std::int64_t days_written_ = 0;
  std::optional<core::Error> error_;
};

}  // namespace kestrel::live
