#pragma once
// Closed trades rebuilt from a journal's fills, for the dashboard's win/loss counts. A trade
// opens when a ticker's position leaves zero and closes when it is back at zero (a fill that
// crosses zero closes one trade and opens the next, its shares and commission split in
// proportion). Its P&L is what the fills paid and received, commissions included — the cash
// the trade made, as an account statement shows it.
#include <string>
#include <vector>

#include "store/journal.hpp"

namespace kestrel::server {

struct RoundTrip {
  std::string ticker;
  bool long_side = true;
  std::int64_t opened_ns = 0, closed_ns = 0;
  double pnl = 0;  // dollars, after commissions
};

struct RoundTrips {
  std::vector<RoundTrip> closed;  // in the order they closed
  int wins = 0, losses = 0;       // pnl > 0, pnl <= 0
  double realised = 0;            // sum of closed pnl
};

// `events` in journal order; only fills are read.
RoundTrips round_trips(const std::vector<store::JournalEvent>& events);

}  // namespace kestrel::server
