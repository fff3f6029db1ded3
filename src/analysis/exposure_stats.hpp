#pragma once
// How much of the capital a run kept at work (from the daily equity points) and how much it
// traded (from the orders).
#include <cstddef>
#include <span>

#include "analysis/backtest_record.hpp"

namespace kestrel::analysis {

struct ExposureStats {
  double average_gross_exposure = 0;  // mean over days of sum |position value| / equity
  double average_net_exposure = 0;    // mean over days of sum position value / equity
  double max_gross_exposure = 0;
  double time_in_market = 0;          // share of days with at least one open position
  double average_positions = 0;       // mean number of open positions
  double traded_notional = 0;         // sum over orders of filled quantity * fill price
  // (traded_notional / 2) / mean equity / years, years = daily returns / 252: replacing the
  // whole portfolio once a year (sell all, buy anew) is a turnover of 1.
  double annual_turnover = 0;
  std::size_t orders = 0;
  std::size_t filled_orders = 0;  // orders with any fill
  std::size_t rejected_orders = 0;
};

ExposureStats compute_exposure_stats(std::span<const EquityPoint> equity,
                                     std::span<const OrderRecord> orders);

}  // namespace kestrel::analysis
