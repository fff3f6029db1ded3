#include "server/round_trips.hpp"

#include <cmath>
#include <map>

namespace kestrel::server {
namespace {

struct OpenTrade {
  double shares = 0;  // signed
  double cash = 0;    // received minus paid so far, commissions included
  std::int64_t opened_ns = 0;
};

}  // namespace

RoundTrips round_trips(const std::vector<store::JournalEvent>& events) {
  RoundTrips out;
  std::map<std::string, OpenTrade> open;
  auto close = [&out](const std::string& ticker, const OpenTrade& trade, std::int64_t ts) {
    out.closed.push_back({.ticker = ticker, .long_side = trade.shares > 0, .opened_ns = trade.opened_ns,
                          .closed_ns = ts, .pnl = trade.cash});
    (trade.cash > 0 ? out.wins : out.losses) += 1;
    out.realised += trade.cash;
  };
  for (const auto& e : events) {
    if (e.kind != "fill" || e.quantity <= 0) continue;
    const double signed_shares = e.side == "buy" ? e.quantity : -e.quantity;
    OpenTrade& trade = open[e.ticker];
    if (trade.shares == 0) trade = {.shares = 0, .cash = 0, .opened_ns = e.ts};
    const double after = trade.shares + signed_shares;
    // The share of this fill that flattens the position (all of it when it does not cross zero).
    double closing = 1;
    if (trade.shares != 0 && (after == 0 || std::signbit(after) != std::signbit(trade.shares))) {
      closing = std::abs(trade.shares) / e.quantity;
    } else {
      trade.cash += -signed_shares * e.price - e.commission;
      trade.shares = after;
      continue;
    }
    trade.cash += closing * (-signed_shares * e.price - e.commission);
    close(e.ticker, trade, e.ts);
    const double rest = 1 - closing;
    trade = {.shares = after, .cash = rest * (-signed_shares * e.price - e.commission), .opened_ns = e.ts};
    if (std::abs(after) < 1e-9) trade = {};
  }
  return out;
}

}  // namespace kestrel::server
