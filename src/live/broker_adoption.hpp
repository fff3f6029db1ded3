#pragma once
// An operator's adoption of the broker's state after a reconciliation difference
// (`kestrel trade adopt`): the share counts the node takes over from the broker, at what
// price, and the broker's cash. Journaled as the decision "reconcile:adopt" in this text form,
// so a re-run applies exactly the same adjustment at the same point:
//   "SPY 3 300.000000; AAPL 0 151.200000; cash 99100.000000 | requested at 2026-11-27T10:00:00Z"
#include <string>
#include <vector>

#include "core/error.hpp"

namespace kestrel::live {

struct BrokerAdoption {
  struct Holding {
    std::string ticker;
    std::int64_t quantity = 0;  // the broker's share count, adopted
    double price = 0;           // booked at: the broker's average cost, or the last mark when flat there
  };
  std::vector<Holding> holdings;  // only the instruments that differed
  double cash = 0;                // the broker's cash, adopted
  std::string note;               // who asked, when

  std::string to_text() const;
  static core::Result<BrokerAdoption> parse(const std::string& text);
};

}  // namespace kestrel::live
