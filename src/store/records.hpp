#pragma once
// Plain records that flow between files, the SQLite store and the snapshot.
#include <optional>
#include <string>

#include "core/date.hpp"

namespace kestrel::store {

// One daily bar as traded. Prices are not split-adjusted; adj_close is the split- and
// dividend-adjusted close, so adj_close / close is the adjustment factor of that day.
struct Bar {
  core::Date date;
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double adj_close = 0;
  double volume = 0;

  double adjustment_factor() const { return close != 0 ? adj_close / close : 0.0; }
  double adj_open() const { return open * adjustment_factor(); }
  double adj_high() const { return high * adjustment_factor(); }
  double adj_low() const { return low * adjustment_factor(); }
};

// A split (coefficient != 1, e.g. 2 for 2-for-1) and/or cash dividend on its ex-date.
struct CorporateAction {
  core::Date date;
  double dividend = 0;
  double split_coefficient = 1;
};

struct TickerInfo {
  std::string symbol;
  std::string name;
  std::string sector;
  std::string industry;
};

// A known data defect or correction (quality_flags.csv); some apply to a whole ticker and
// have no date.
struct QualityFlag {
  std::string ticker;
  std::optional<core::Date> date;
  std::string flag;
  std::string detail;
};

}  // namespace kestrel::store
