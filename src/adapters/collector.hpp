#pragma once
// `kestrel data collect`: brings each ticker up to date from a vendor, one ticker at a time,
// each in its own store transaction. A failure keeps every ticker finished before it, and a
// rerun resumes from each ticker's last stored date, so runs never leave duplicates or gaps.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/vendor.hpp"
#include "store/market_store.hpp"

namespace kestrel::adapters {

struct CollectOptions {
  core::Date today;  // the calendar day the run is for (vendors use it for date ranges)
  bool show_progress = true;
  LogSink log;  // retries, fallbacks; may be empty
};

struct TickerOutcome {
  enum class Status {
    Updated,     // new rows written
    UpToDate,    // the vendor had nothing newer than the store
    Readjusted,  // the vendor re-based adjusted closes: whole history rewritten
    Failed,      // see message; the store is unchanged for this ticker
    NotRun,      // the run stopped before this ticker (vendor quota exhausted)
  };
  std::string ticker;
  Status status = Status::NotRun;
  std::string vendor;  // the vendor whose data was written
  std::int64_t new_rows = 0;
  std::optional<core::Date> last_date;  // in the store after this ticker
  std::string message;
};

std::string_view to_string(TickerOutcome::Status status);

struct CollectReport {
  std::vector<TickerOutcome> tickers;  // in the order requested
  std::size_t count(TickerOutcome::Status status) const;
};

class Collector {
 public:
  // `fallback` (may be null) is tried for a ticker when `primary` fails for it.
  Collector(store::MarketStore& store, DailyBarVendor& primary, DailyBarVendor* fallback,
            CollectOptions options);

  // Fails only when the store itself fails; vendor failures are per-ticker outcomes. A vendor
  // that keeps throttling after all retries, says its quota for today is used up, or refuses
  // the request on the key's plan is not asked again in this run (the remaining tickers would
  // only burn quota); the other vendor, if any, carries on alone. When no vendor is left the
  // rest are reported as NotRun. Each vendor's state is its own: a throttled fallback does not
  // stop the primary, and every message names the vendor it is about.
  core::Result<CollectReport> run(const std::vector<std::string>& tickers);

 private:
  struct VendorSlot {
    DailyBarVendor* vendor = nullptr;
    std::string stopped;  // why it is not asked again in this run; empty while it is
  };

  core::Result<TickerOutcome> collect_one(const std::string& ticker);
  // Fetches through `slot`, stopping it for the run when the failure says so.
  VendorResult<store::BarFile> fetch(VendorSlot& slot, const DailyRequest& request);
  bool any_vendor_left() const;
  std::string stopped_summary() const;

  store::MarketStore& store_;
  VendorSlot primary_;
  VendorSlot fallback_;
  CollectOptions options_;
};

}  // namespace kestrel::adapters
