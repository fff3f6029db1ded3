#pragma once
// The venue a restarted node talks to while it re-runs its journal with a real broker behind
// it. A broker cannot replay the past the way the simulated venue can, so during the re-run:
//   - the broker's answers come from the journal: pump() hands the kernel the journaled venue
//     events that come next, up to the next event the kernel makes itself (submitted, cancel
//     requested), so the kernel applies them at exactly the points it first did;
//   - nothing is sent again: an order or cancel the journal shows the broker answered is not
//     sent; one the broker never answered in the journal (the node died between journaling it
//     and hearing back) is kept and sent when the re-run is over — the client order id makes a
//     second send harmless.
// When the journal is exhausted, finish_replay() sends those and from then on everything goes
// straight to the broker.
#include <deque>
#include <optional>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "execution/execution_client.hpp"
#include "live/journal_writer.hpp"
#include "store/journal.hpp"

namespace kestrel::live {

class RecoveringVenue final : public execution::ExecutionClient {
 public:
  // `day_limits[d]`: the last order event journaled before day d's close.
  RecoveringVenue(execution::ExecutionClient& broker, std::vector<store::JournalEvent> journaled,
                  std::vector<std::int64_t> day_limits, execution::ExecutionEventSink& kernel, const JournalWriter& writer);

  std::string_view name() const override { return broker_->name(); }
  core::Status submit(const execution::Order& order) override;
  core::Status cancel(const execution::Order& order) override;
  core::Result<std::vector<execution::VenueOrder>> open_orders() override { return broker_->open_orders(); }
  core::Result<std::vector<execution::VenuePosition>> positions() override { return broker_->positions(); }
  core::Result<execution::VenueAccount> account() override { return broker_->account(); }

  // Journaled events are handed over as soon as the kernel has re-made the event before them
  // (the journal writer calls this after every event), but never past the close of the day
  // being re-run: events applied after a close wait until the close is re-derived.
  void pump();
  bool replaying() const { return replaying_; }
  // Called after every order handed to the broker (the node's crash hook for tests).
  void set_send_hook(std::function<void()> hook) { send_hook_ = std::move(hook); }
  // Ends the re-run: sends what was held back, in order. Call once the journal is exhausted.
  core::Status finish_replay(const std::function<const execution::Order*(const std::string&)>& order_by_client_id);

 private:
  struct Deferred {
    bool cancel = false;
    std::string client_order_id;
  };
  execution::ExecutionClient* broker_;
  std::vector<store::JournalEvent> journaled_;
  execution::ExecutionEventSink* kernel_;
  const JournalWriter* writer_;
  std::size_t cursor_ = 0;
  std::vector<std::int64_t> day_limits_;
  bool replaying_ = true;
  std::set<std::string> answered_;            // orders the broker answered in the journal
  std::set<std::string> cancel_answered_;     // orders that reached a final state in the journal
  std::vector<Deferred> deferred_;
  std::function<void()> send_hook_;
};

}  // namespace kestrel::live
