#include "store/data_validator.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "core/progress.hpp"

namespace kestrel::store {
namespace {

using core::Date;

// Calendar queries inside the calendar's range cannot fail; a failure here is a bug.
template <class T>
T in_range(core::Result<T> result) {
  if (!result) throw std::logic_error(result.error().message);
  return std::move(*result);
}

std::string_view weekday_name(Date date) {
  static constexpr std::string_view kNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                "Friday", "Saturday", "Sunday"};
  return kNames[date.weekday()];
}

class TickerChecker {
 public:
  TickerChecker(TickerValidation& v, const TradingCalendar& calendar,
                const ValidationOptions& options)
      : v_(v), calendar_(calendar), options_(options) {}

  void check_row(const Bar& b) {
    std::vector<std::string> bad;
    const std::pair<std::string_view, double> prices[] = {{"open", b.open},
                                                          {"high", b.high},
                                                          {"low", b.low},
                                                          {"close", b.close},
                                                          {"adj_close", b.adj_close}};
    for (const auto& [name, value] : prices) {
      if (!(value > 0)) bad.push_back(fmt::format("{} {}", name, value));
    }
    if (!bad.empty()) {
      ++v_.non_positive_prices;
      add(Check::NonPositivePrice, b.date, b.date, 1, fmt::format("{}", fmt::join(bad, ", ")));
    }
    if (b.volume < 0) {
      ++v_.negative_volume;
      add(Check::NegativeVolume, b.date, b.date, 1, fmt::format("volume {}", b.volume));
    }
    if (b.high < b.low) {
      ++v_.high_below_low;
      add(Check::HighBelowLow, b.date, b.date, 1, fmt::format("high {} < low {}", b.high, b.low));
      return;  // with no valid range, open/close cannot be judged against it
    }
    bad.clear();
    for (const auto& [name, value] :
         {std::pair<std::string_view, double>{"open", b.open}, {"close", b.close}}) {
      if (value < b.low || value > b.high) bad.push_back(fmt::format("{} {}", name, value));
    }
    if (!bad.empty()) {
      ++v_.outside_range;
      add(Check::OutsideRange, b.date, b.date, 1,
          fmt::format("{} outside [low {}, high {}]", fmt::join(bad, ", "), b.low, b.high));
    }
  }

  // `days`: one bar per date, ascending.
  void check_calendar(const std::vector<Bar>& days) {
    std::optional<Date> previous;
    std::vector<const Bar*> before, after;
    for (const Bar& b : days) {
      if (b.date < calendar_.first_date()) {
        before.push_back(&b);
        continue;
      }
      if (b.date > calendar_.last_date()) {
        after.push_back(&b);
        continue;
      }
      if (!in_range(calendar_.is_session(b.date))) {
        ++v_.non_session_dates;
        const auto reason = in_range(calendar_.closure_reason(b.date));
        add(Check::NonSessionDate, b.date, b.date, 1,
            fmt::format("bar on a day without a session ({})",
                        reason ? *reason : std::string(weekday_name(b.date))));
      }
      if (previous) {
        const auto missing = in_range(calendar_.sessions(*previous + 1, b.date - 1));
        if (!missing.empty()) {
          const auto n = static_cast<std::int64_t>(missing.size());
          v_.missing_sessions += n;
          add(Check::MissingSessions, missing.front(), missing.back(), n,
              n == 1 ? std::string("no bar on this session")
                     : fmt::format("no bar on {} consecutive sessions", n));
        }
      }
      previous = b.date;
    }
    for (const auto* rows : {&before, &after}) {
      if (rows->empty()) continue;
      const auto n = static_cast<std::int64_t>(rows->size());
      v_.outside_calendar += n;
      add(Check::OutsideCalendar, rows->front()->date, rows->back()->date, n,
          fmt::format("{} bar(s) outside the calendar's range {} .. {}: not checked for missing "
                      "sessions",
                      n, calendar_.first_date().to_string(), calendar_.last_date().to_string()));
    }
  }

  void check_runs(const std::vector<Bar>& days) {
    // Zero volume: every run of consecutive zero-volume bars.
    for (std::size_t i = 0; i < days.size();) {
      std::size_t j = i;
      while (j < days.size() && days[j].volume == 0) ++j;
      if (j > i) {
        const auto n = static_cast<std::int64_t>(j - i);
        v_.zero_volume_days += n;
        v_.longest_zero_volume_run = std::max(v_.longest_zero_volume_run, n);
        add(Check::ZeroVolume, days[i].date, days[j - 1].date, n,
            n == 1 ? std::string("volume 0") : fmt::format("volume 0 on {} consecutive bars", n));
        i = j;
      } else {
        ++i;
      }
    }
    // Stale prices: runs of identical closes.
    for (std::size_t i = 0; i < days.size();) {
      std::size_t j = i + 1;
      while (j < days.size() && days[j].close == days[i].close) ++j;
      const auto n = static_cast<std::int64_t>(j - i);
      if (n >= options_.stale_days) {
        ++v_.stale_runs;
        add(Check::StalePrice, days[i].date, days[j - 1].date, n,
            fmt::format("close {} on {} consecutive bars", days[i].close, n));
      }
      i = j;
    }
  }

  void check_moves(const std::vector<Bar>& days, const std::vector<CorporateAction>& actions) {
    for (std::size_t i = 1; i < days.size(); ++i) {
      const Bar& prev = days[i - 1];
      const Bar& cur = days[i];
      if (!(prev.close > 0) || !(cur.close > 0)) continue;  // reported as non-positive prices
      const double ratio = cur.close / prev.close;
      if (ratio <= options_.split_ratio_high && ratio >= options_.split_ratio_low) continue;
      const bool split = std::any_of(actions.begin(), actions.end(), [&](const CorporateAction& a) {
        return a.date == cur.date && a.split_coefficient != 1;
      });
      if (split) continue;
      ++v_.unadjusted_splits;
      std::string adjusted;
      if (prev.adj_close > 0 && cur.adj_close > 0) {
        adjusted = fmt::format("; adj_close x{:.4f}", cur.adj_close / prev.adj_close);
      }
      add(Check::UnadjustedSplit, cur.date, cur.date, 1,
          fmt::format("close {} ({}) -> {}: x{:.4f} with no split on record{}", prev.close,
                      prev.date.to_string(), cur.close, ratio, adjusted));
    }
  }

  void add_duplicate(Date date, std::int64_t rows) {
    ++v_.duplicate_dates;
    add(Check::DuplicateDate, date, date, rows, fmt::format("{} rows with this date", rows));
  }

 private:
  void add(Check check, Date first, Date last, std::int64_t count, std::string detail) {
    v_.findings.push_back({check, first, last, count, std::move(detail)});
  }

  TickerValidation& v_;
  const TradingCalendar& calendar_;
  const ValidationOptions& options_;
};

// Requested tickers that `available` (sorted) lacks, as one error; else the selection.
core::Result<std::vector<std::string>> select_tickers(const std::vector<std::string>& available,
                                                      const std::vector<std::string>& requested,
                                                      std::string_view where) {
  if (requested.empty()) return available;
  std::vector<std::string> selected = requested;
  std::sort(selected.begin(), selected.end());
  selected.erase(std::unique(selected.begin(), selected.end()), selected.end());
  std::vector<std::string> unknown;
  for (const auto& t : selected) {
    if (!std::binary_search(available.begin(), available.end(), t)) unknown.push_back(t);
  }
  if (!unknown.empty()) return core::fail("no bars for {} in {}", fmt::join(unknown, ", "), where);
  return selected;
}

}  // namespace

std::string_view to_string(Check check) {
  switch (check) {
    case Check::OutsideCalendar:
      return "outside_calendar";
    case Check::MissingSessions:
      return "missing_sessions";
    case Check::NonSessionDate:
      return "non_session_date";
    case Check::DuplicateDate:
      return "duplicate_date";
    case Check::NonPositivePrice:
      return "non_positive_price";
    case Check::NegativeVolume:
      return "negative_volume";
    case Check::HighBelowLow:
      return "high_below_low";
    case Check::OutsideRange:
      return "open_close_outside_range";
    case Check::ZeroVolume:
      return "zero_volume";
    case Check::StalePrice:
      return "stale_price";
    case Check::UnadjustedSplit:
      return "unadjusted_split";
  }
  return "?";
}

std::int64_t ValidationReport::rows() const {
  std::int64_t n = 0;
  for (const auto& t : tickers) n += t.rows;
  return n;
}

std::size_t ValidationReport::finding_count() const {
  std::size_t n = 0;
  for (const auto& t : tickers) n += t.findings.size();
  return n;
}

TickerValidation validate_bars(std::string ticker, std::vector<Bar> bars,
                               const std::vector<CorporateAction>& actions,
                               const TradingCalendar& calendar, const ValidationOptions& options) {
  TickerValidation v;
  v.ticker = std::move(ticker);
  v.rows = static_cast<std::int64_t>(bars.size());
  if (bars.empty()) return v;
  std::stable_sort(bars.begin(), bars.end(),
                   [](const Bar& a, const Bar& b) { return a.date < b.date; });
  v.first_date = bars.front().date;
  v.last_date = bars.back().date;

  TickerChecker checker(v, calendar, options);
  std::vector<Bar> days;  // first row of each date
  days.reserve(bars.size());
  for (std::size_t i = 0; i < bars.size();) {
    std::size_t j = i;
    while (j < bars.size() && bars[j].date == bars[i].date) checker.check_row(bars[j++]);
    if (j - i > 1) checker.add_duplicate(bars[i].date, static_cast<std::int64_t>(j - i));
    days.push_back(bars[i]);
    i = j;
  }
  checker.check_calendar(days);
  checker.check_runs(days);
  checker.check_moves(days, actions);
  std::stable_sort(v.findings.begin(), v.findings.end(), [](const Finding& a, const Finding& b) {
    return std::pair(a.first, a.check) < std::pair(b.first, b.check);
  });
  return v;
}

core::Result<ValidationReport> validate_store(MarketStore& store, const TradingCalendar& calendar,
                                              const std::vector<std::string>& tickers,
                                              const ValidationOptions& options) {
  auto universe = store.universe();
  if (!universe) return std::unexpected(universe.error());
  std::vector<std::string> available;
  for (const auto& t : *universe) {
    if (t.bar_count > 0) available.push_back(t.info.symbol);
  }
  std::sort(available.begin(), available.end());
  auto selected = select_tickers(available, tickers, store.path().string());
  if (!selected) return std::unexpected(selected.error());

  ValidationReport report;
  core::ProgressBar progress("validating", selected->size(), options.show_progress);
  for (const std::string& ticker : *selected) {
    auto bars = store.bars(ticker);
    if (!bars) return std::unexpected(bars.error());
    auto actions = store.corporate_actions(ticker);
    if (!actions) return std::unexpected(actions.error());
    report.tickers.push_back(validate_bars(ticker, std::move(*bars), *actions, calendar, options));
    progress.advance();
  }
  return report;
}

core::Result<ValidationReport> validate_files(const std::vector<std::filesystem::path>& paths,
                                              const TradingCalendar& calendar,
                                              const std::vector<std::string>& tickers,
                                              const ValidationOptions& options) {
  auto files = expand_input_paths(paths);
  if (!files) return std::unexpected(files.error());
  std::vector<std::optional<core::Result<InputFile>>> parsed(files->size());
  {
    core::ProgressBar progress("reading", files->size(), options.show_progress);
    tbb::parallel_for(std::size_t{0}, files->size(), [&](std::size_t i) {
      parsed[i] = read_input_file((*files)[i], ParseMode::Lenient);
      progress.advance();
    });
  }
  std::vector<std::string> errors;
  for (const auto& p : parsed) {
    if (!p->has_value()) errors.push_back(p->error().message);
  }
  if (!errors.empty()) {
    return core::fail("cannot validate; {} unreadable file(s):\n  {}", errors.size(),
                      fmt::join(errors, "\n  "));
  }

  std::map<std::string, BarFile> bar_files;  // by ticker
  std::map<std::string, std::vector<CorporateAction>> actions;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    InputFile& file = **parsed[i];
    if (auto* bars = std::get_if<BarFile>(&file)) {
      auto& own = actions[bars->ticker];
      own.insert(own.end(), bars->actions.begin(), bars->actions.end());
      const std::string ticker = bars->ticker;
      if (!bar_files.emplace(ticker, std::move(*bars)).second) {
        return core::fail("{}: ticker {} appears in more than one file", (*files)[i].string(),
                          ticker);
      }
    } else if (auto* listed = std::get_if<CorporateActionsFile>(&file)) {
      for (auto& [ticker, action] : listed->actions) actions[ticker].push_back(action);
    }
  }
  std::vector<std::string> available;
  for (const auto& [ticker, file] : bar_files) available.push_back(ticker);
  auto selected = select_tickers(available, tickers, "the given files");
  if (!selected) return std::unexpected(selected.error());

  ValidationReport report;
  report.tickers.resize(selected->size());
  tbb::parallel_for(std::size_t{0}, selected->size(), [&](std::size_t i) {
    const std::string& ticker = (*selected)[i];
    report.tickers[i] = validate_bars(ticker, std::move(bar_files.at(ticker).bars),
                                      actions.at(ticker), calendar, options);
  });
  return report;
}

}  // namespace kestrel::store
