#pragma once
// The exchange calendar: which weekdays are trading sessions. Built from a list of full-day
// closures (regular holidays and unscheduled closures) over a fixed range of dates; the NYSE
// list lives in data/calendar/nyse_closures.csv and is compiled into the binary. Early
// closes are sessions. Queries outside the range are errors, never guesses: beyond the
// range future holidays are unknown and past ones followed other rules.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"

namespace kestrel::store {

class TradingCalendar {
 public:
  struct Closure {
    core::Date date;
    std::string reason;
  };

  // The NYSE calendar, 1980-01-01 .. 2030-12-31.
  static core::Result<TradingCalendar> nyse();

  // Parses `date,reason` lines (header first); every date must be a weekday inside
  // [first, last], ascending and unique. `source` names the text in error messages.
  static core::Result<TradingCalendar> from_csv(std::string_view text, std::string_view source,
                                                core::Date first, core::Date last);

  core::Date first_date() const { return first_; }
  core::Date last_date() const { return last_; }
  bool covers(core::Date date) const { return first_ <= date && date <= last_; }

  core::Result<bool> is_session(core::Date date) const;
  // Why the exchange was closed that weekday, or nullopt when it is a session or a weekend.
  core::Result<std::optional<std::string>> closure_reason(core::Date date) const;
  // Sessions in [from, to], ascending; empty when to < from.
  core::Result<std::vector<core::Date>> sessions(core::Date from, core::Date to) const;
  // Number of sessions in [from, to]; 0 when to < from.
  core::Result<std::int64_t> session_count(core::Date from, core::Date to) const;
  // First session strictly after / before `date` (which need not be a session).
  core::Result<core::Date> next_session(core::Date date) const;
  core::Result<core::Date> previous_session(core::Date date) const;

  const std::vector<Closure>& closures() const { return closures_; }

 private:
  TradingCalendar(core::Date first, core::Date last, std::vector<Closure> closures);
  core::Status check_range(core::Date date) const;
  core::Status check_range(core::Date from, core::Date to) const;
  bool session_at(core::Date date) const {
    return is_session_[static_cast<std::size_t>(date - first_)];
  }

  core::Date first_;
  core::Date last_;
  std::vector<Closure> closures_;              // ascending by date
  std::vector<bool> is_session_;               // one entry per day from first_
  std::vector<std::int32_t> sessions_before_;  // sessions in [first_, first_ + i), i = 0..days
};

}  // namespace kestrel::store
