#pragma once
// `kestrel data validate`: per-ticker data-quality checks against the trading calendar.
// Works on the store or on files parsed leniently (so duplicate dates and negative values
// reach the checks instead of rejecting the file). Findings are reports, not errors: a
// validation that finds defects still succeeds.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"
#include "store/market_store.hpp"
#include "store/records.hpp"
#include "store/trading_calendar.hpp"

namespace kestrel::store {

enum class Check {
  OutsideCalendar,   // bars the calendar cannot check (before/after its range)
  MissingSessions,   // sessions between the first and last bar without a bar (one run)
  NonSessionDate,    // a bar on a weekend or exchange holiday
  DuplicateDate,     // more than one row for a date (files only: the store keeps one)
  NonPositivePrice,  // open, high, low, close or adj_close <= 0
  NegativeVolume,
  HighBelowLow,
  OutsideRange,     // open or close outside [low, high] (only checked when high >= low)
  ZeroVolume,       // a run of consecutive bars with volume 0
  StalePrice,       // a run of >= stale_days consecutive bars with the same close
  UnadjustedSplit,  // raw close ratio beyond the split thresholds, no split that day
};
// snake_case name used in tables and JSON, e.g. "missing_sessions".
std::string_view to_string(Check check);

struct Finding {
  Check check = Check::MissingSessions;
  core::Date first;        // the day, or the first day of a run
  core::Date last;         // == first for one-day findings
  std::int64_t count = 1;  // days (rows, sessions) concerned
  std::string detail;
};

struct ValidationOptions {
  int stale_days = 5;             // minimum run of identical closes reported (>= 2)
  double split_ratio_high = 2.5;  // close / previous close above this ...
  double split_ratio_low = 0.4;   // ... or below this, with no split on record
  bool show_progress = false;
};

struct TickerValidation {
  std::string ticker;
  std::optional<core::Date> first_date;
  std::optional<core::Date> last_date;
  std::int64_t rows = 0;
  // Summary figures (days or rows unless said otherwise).
  std::int64_t outside_calendar = 0;
  std::int64_t missing_sessions = 0;
  std::int64_t non_session_dates = 0;
  std::int64_t duplicate_dates = 0;  // dates with more than one row
  std::int64_t non_positive_prices = 0;
  std::int64_t negative_volume = 0;
  std::int64_t high_below_low = 0;
  std::int64_t outside_range = 0;
  std::int64_t zero_volume_days = 0;
  std::int64_t longest_zero_volume_run = 0;
  std::int64_t stale_runs = 0;
  std::int64_t unadjusted_splits = 0;
  std::vector<Finding> findings;  // by first date, then check
};

struct ValidationReport {
  std::vector<TickerValidation> tickers;  // by ticker
  std::int64_t rows() const;
  std::size_t finding_count() const;
};

// Checks one ticker. `bars` may be in any order and contain duplicate dates; checks that
// look at consecutive bars (gaps, runs, one-day moves) use the first row of each date.
// `actions` are the ticker's corporate actions: a split_coefficient != 1 on a day excuses
// that day's large move.
TickerValidation validate_bars(std::string ticker, std::vector<Bar> bars,
                               const std::vector<CorporateAction>& actions,
                               const TradingCalendar& calendar, const ValidationOptions& options);

// Every ticker of the store, or only `tickers` (each must exist).
core::Result<ValidationReport> validate_store(MarketStore& store, const TradingCalendar& calendar,
                                              const std::vector<std::string>& tickers,
                                              const ValidationOptions& options);

// Bar files and folders (as `data import` takes them), parsed leniently. Corporate actions
// come from Alpha Vantage split columns and any corporate_actions.csv among the paths;
// universe and quality-flag files are ignored. Malformed files are errors (all listed).
core::Result<ValidationReport> validate_files(const std::vector<std::filesystem::path>& paths,
                                              const TradingCalendar& calendar,
                                              const std::vector<std::string>& tickers,
                                              const ValidationOptions& options);

}  // namespace kestrel::store
