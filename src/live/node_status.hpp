#pragma once
// What `kestrel trade status` shows, read from the journal alone (the node may be running,
// stopped or dead): the run, the latest equity and the day's P&L, drawdown, the positions,
// the open orders (rebuilt by applying the journaled events to an order store, exactly as
// the node did), and the risk state (halted by the kill switch or the drawdown rule).
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/journal.hpp"

namespace kestrel::live {

struct OpenOrder {
  std::string client_order_id, ticker, side, type, status, tag;
  double quantity = 0, filled = 0, limit_price = 0, stop_price = 0;
};

struct NodeStatus {
  store::JournalRun run;
  std::size_t sessions = 0;
  std::optional<store::JournalDay> today, yesterday;
  double initial_equity = 0;  // the first journaled day's equity
  double peak_equity = 0;
  std::vector<store::JournalPosition> positions;
  std::vector<OpenOrder> open_orders;
  bool halted = false;
  std::string halt_reason;
  std::vector<store::JournalDecision> recent_risk_events;  // the last few
  std::size_t pending_controls = 0;
};

// A journaled order and the state its journaled events leave it in, found by applying them to
// an order store exactly as the node did.
struct OrderState {
  const store::JournalOrder* order = nullptr;  // into the caller's vector
  std::string status;
  double filled = 0;
  bool open = false;
};
core::Result<std::vector<OrderState>> order_states(const std::vector<store::JournalOrder>& orders,
                                                   const std::vector<store::JournalEvent>& events);

// Whether the journaled decisions leave the run halted (kill switch, drawdown halt,
// reconciliation mismatch) and by which decision.
struct HaltState {
  bool halted = false;
  std::string reason;  // "<kind> on <date>: <detail>"
};
HaltState halt_state(const std::vector<store::JournalDecision>& decisions);

// The newest run, or `run_id`.
core::Result<NodeStatus> read_status(store::Journal& journal, const std::string& run_id = {});

}  // namespace kestrel::live
