#pragma once
// A source of daily bars for one ticker at a time (Alpha Vantage, Yahoo chart, …).
// Vendors fetch and parse; the Collector decides what is new and writes it.
#include <optional>
#include <string>
#include <string_view>

#include "adapters/fetcher.hpp"
#include "core/date.hpp"
#include "store/input_file.hpp"

namespace kestrel::adapters {

struct DailyRequest {
  std::string ticker;
  // The last date already stored; the vendor may return less history when it is set (rows on
  // or before it may still be included and are dropped by the caller).
  std::optional<core::Date> last_stored;
  core::Date today;  // the caller's calendar day; vendors use it for date ranges
};

class DailyBarVendor {
 public:
  virtual ~DailyBarVendor() = default;
  virtual std::string_view name() const = 0;
  // Whether adj_close is the vendor's split- and dividend-adjusted close. When it is not (the
  // close as traded), adjustments come only from corporate actions and a vendor re-basing
  // its adjusted closes cannot be detected.
  virtual bool adjusted() const { return true; }
  // Bars ascending by date; corporate actions where the vendor supplies them.
  virtual VendorResult<store::BarFile> fetch_daily(const DailyRequest& request) = 0;
};

}  // namespace kestrel::adapters
