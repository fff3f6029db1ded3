#pragma once
// Cash and positions in fixed point. Instruments are dense indices (the panel's ticker order)
// so the accounts are flat arrays; `held()` lists the open positions in ascending index order,
// which keeps every loop over positions deterministic.
//
// Accounting: average cost. A sell of a long realises (price − average cost) × shares; fees are
// charged to cash and to the position's running trade. A round trip ends when the position is
// back to zero; a fill that crosses zero is split into a close and a new opposite position
// (fees apportioned by shares). Short positions are allowed only when enabled; they pay a
// daily borrow fee on their market value.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "core/fixed_point.hpp"

namespace kestrel::portfolio {

using InstrumentId = std::uint32_t;

struct Position {
  core::Quantity quantity = 0;  // negative = short
  core::Money cost{};             // average-cost basis of the open shares (signed like quantity)
  core::Price last_price{};       // last mark (close of the last bar seen)
  std::size_t last_bar = 0;     // panel date index of that mark
  bool stale = false;           // no bar on the latest day: valued at last_price
  // The round trip in progress.
  core::Date entry_date{};
  std::size_t entry_bar = 0;
  core::Quantity entry_shares = 0;  // Σ |shares| opened
  core::Money entry_value{};          // Σ |price × shares| opened
  core::Quantity exit_shares = 0;
  core::Money exit_value{};
  core::Money fees{};                 // commissions, fees, borrow
  core::Money realized{};             // P&L realised so far in this trip, fees deducted

  core::Price average_cost() const {
    return quantity != 0 ? core::Price::from_raw(cost.raw() / quantity) : core::Price{};
  }
  core::Money market_value() const { return core::notional(last_price, quantity); }
};

// A finished round trip of one instrument.
struct RoundTrip {
  InstrumentId instrument = 0;
  core::Date entry_date{};
  core::Date exit_date{};
  core::Quantity quantity = 0;  // shares opened, negative for shorts
  core::Money entry_value{};      // |Σ price × shares| opened
  core::Money exit_value{};
  core::Money pnl{};              // fees deducted
  core::Money fees{};
};

struct PortfolioConfig {
  core::Money initial_cash = core::Money::dollars(100'000);
  bool allow_short = false;
  double borrow_rate = 0;  // annual fraction of short market value, charged per trading day / 252
};

class Portfolio {
 public:
  Portfolio(std::size_t num_instruments, PortfolioConfig config);

  core::Money cash() const { return cash_; }
  const Position& position(InstrumentId id) const { return positions_[id]; }
  const std::vector<InstrumentId>& held() const { return held_; }
  const PortfolioConfig& config() const { return config_; }
  std::size_t num_instruments() const { return positions_.size(); }

  // Books a fill; a position that returns to zero appends its round trip to `closed`.
  // Fails (and changes nothing) for a sell beyond the long position when shorting is off.
  core::Status apply_fill(InstrumentId id, core::Quantity signed_shares, core::Price price,
                          core::Money fees, core::Date date, std::size_t bar,
                          std::vector<RoundTrip>& closed);

  // Marks a held position at `bar`: fresh with the close, or stale (no bar that day).
  void mark(InstrumentId id, core::Price close, std::size_t bar) {
    Position& p = positions_[id];
    p.last_price = close;
    p.last_bar = bar;
    p.stale = false;
  }
  void mark_stale(InstrumentId id) { positions_[id].stale = true; }

  // One trading day of borrow fees on every short position.
  void accrue_borrow();
  // Cash the broker moved outside any fill (regulatory fees charged as account activities):
  // negative for a charge.
  void adjust_cash(core::Money delta) { cash_ += delta; }

  core::Money market_value() const;  // Σ signed position values
  core::Money gross_value() const;   // Σ |position values|
  core::Money equity() const { return cash_ + market_value(); }
  core::Money unrealized() const;    // market value − cost basis
  std::size_t stale_count() const;

 private:
  void open_shares(Position& p, core::Quantity q, core::Price price, core::Money fees,
                   core::Date date, std::size_t bar);
  void add_held(InstrumentId id);
  void remove_held(InstrumentId id);

  PortfolioConfig config_;
  core::Money cash_{};
  std::vector<Position> positions_;
  std::vector<InstrumentId> held_;
};

}  // namespace kestrel::portfolio
