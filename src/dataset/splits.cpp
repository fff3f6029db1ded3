#include "dataset/splits.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace kestrel::dataset {
namespace {

// The part of [begin, end) whose labels (t+1 .. t+horizon) end before `next_begin` minus the
// embargo: t + horizon + embargo < next_begin.
DateRange purge_before(std::size_t begin, std::size_t end, std::size_t next_begin,
                       std::size_t horizon, std::size_t embargo) {
  const std::size_t gap = horizon + embargo;
  const std::size_t limit = next_begin > gap ? next_begin - gap : 0;
  return {begin, std::max(begin, std::min(end, limit))};
}

// Builds a fold from nominal boundaries a <= b <= c <= d: train [a,b), valid [b,c), test [c,d).
Fold make_fold(std::size_t index, std::size_t a, std::size_t b, std::size_t c, std::size_t d,
               std::size_t horizon, std::size_t embargo) {
  Fold fold;
  fold.index = index;
  fold.test = {c, d};
  if (b < c) {
    fold.valid = purge_before(b, c, c, horizon, embargo);
    fold.train = purge_before(a, b, b, horizon, embargo);
  } else {
    fold.train = purge_before(a, b, c, horizon, embargo);
  }
  fold.dates_dropped = (b - a - fold.train.size()) + (c - b - fold.valid.size());
  return fold;
}

}  // namespace

core::Result<std::vector<Fold>> walk_forward(std::size_t num_dates, std::size_t horizon,
                                             const WalkForwardOptions& o) {
  if (o.train_dates == 0 || o.test_dates == 0) {
    return core::fail("walk-forward: train_dates and test_dates must be positive");
  }
  const std::size_t end = std::min(o.end_date, num_dates);
  const std::size_t step = o.step_dates == 0 ? o.test_dates : o.step_dates;
  std::vector<Fold> folds;
  for (std::size_t i = 0;; ++i) {
    const std::size_t train_end = o.first_date + o.train_dates + i * step;
    const std::size_t test_begin = train_end + o.valid_dates;
    if (test_begin >= end) break;
    const std::size_t train_begin =
        o.window == WindowKind::Expanding ? o.first_date : train_end - o.train_dates;
    const std::size_t test_end = std::min(end, test_begin + o.test_dates);
    Fold fold = make_fold(i, train_begin, train_end, test_begin, test_end, horizon, o.embargo);
    if (fold.train.empty() || (o.valid_dates > 0 && fold.valid.empty())) {
      return core::fail(
          "walk-forward: fold {} has no training{} dates left after purging {} + embargo {} "
          "dates; lengthen train_dates/valid_dates",
          i, fold.train.empty() ? "" : " validation", horizon, o.embargo);
    }
    folds.push_back(fold);
  }
  if (folds.empty()) {
    return core::fail(
        "walk-forward: no fold fits in {} dates (first_date {} + train {} + valid {} leaves no "
        "test date)",
        end, o.first_date, o.train_dates, o.valid_dates);
  }
  return folds;
}

core::Result<Fold> fixed_segments(std::span<const core::Date> dates, std::size_t horizon,
                                  std::size_t embargo, const SegmentDates& s) {
  if (dates.empty()) return core::fail("segments: the panel has no dates");
  auto first_on_or_after = [&](core::Date d) {
    return static_cast<std::size_t>(std::lower_bound(dates.begin(), dates.end(), d) - dates.begin());
  };
  auto after = [&](core::Date d) {  // one past the last date on or before d
    return static_cast<std::size_t>(std::upper_bound(dates.begin(), dates.end(), d) - dates.begin());
  };
  if (s.valid_begin > s.test_begin || (s.train_begin && *s.train_begin > s.valid_begin) ||
      (s.test_end && *s.test_end < s.test_begin)) {
    return core::fail("segments: dates must be ordered train_begin <= valid_begin <= test_begin <= test_end");
  }
  if (s.train_end && ((s.train_begin && *s.train_end < *s.train_begin) || *s.train_end >= s.valid_begin)) {
    return core::fail("segments: train_end {} must be on or after train_begin and before {} ({})",
                      s.train_end->to_string(), s.valid_begin < s.test_begin ? "valid_begin" : "test_begin",
                      s.valid_begin.to_string());
  }
  if (s.valid_end && (!(s.valid_begin < s.test_begin) || *s.valid_end < s.valid_begin || *s.valid_end >= s.test_begin)) {
    return core::fail("segments: valid_end {} needs a validation segment and must fall in [valid_begin {}, test_begin {})",
                      s.valid_end->to_string(), s.valid_begin.to_string(), s.test_begin.to_string());
  }
  const std::size_t a = s.train_begin ? first_on_or_after(*s.train_begin) : 0;
  const std::size_t b = first_on_or_after(s.valid_begin);
  const std::size_t c = first_on_or_after(s.test_begin);
  const std::size_t d = s.test_end ? after(*s.test_end) : dates.size();
  const std::size_t train_stop = s.train_end ? std::max(a, after(*s.train_end)) : b;
  const std::size_t valid_stop = s.valid_end ? std::max(b, after(*s.valid_end)) : c;
  const bool has_valid = b < c;
  Fold fold;
  fold.test = {c, std::max(c, d)};
  if (has_valid) {
    fold.valid = purge_before(b, valid_stop, c, horizon, embargo);
    fold.train = purge_before(a, train_stop, b, horizon, embargo);
  } else {
    fold.train = purge_before(a, train_stop, c, horizon, embargo);
  }
  fold.dates_dropped = (train_stop - a - fold.train.size()) + (has_valid ? valid_stop - b - fold.valid.size() : 0);
  if (fold.train.empty()) {
    return core::fail("segments: no training dates in [{}, {}) after purging {} + embargo {} dates",
                      a < dates.size() ? dates[a].to_string() : "end", s.valid_begin.to_string(),
                      horizon, embargo);
  }
  if (has_valid && fold.valid.empty()) {
    return core::fail("segments: the validation segment from {} is empty after purging",
                      s.valid_begin.to_string());
  }
  if (fold.test.empty()) {
    return core::fail("segments: no panel dates in the test segment from {}", s.test_begin.to_string());
  }
  return fold;
}

std::string describe(const Fold& fold, std::span<const core::Date> dates) {
  auto range = [&](const DateRange& r) {
    if (r.empty()) return std::string("none");
    return fmt::format("{}..{} ({})", dates[r.begin].to_string(), dates[r.end - 1].to_string(), r.size());
  };
  return fmt::format("fold {}: train {} | valid {} | test {} | dropped {}", fold.index,
                     range(fold.train), range(fold.valid), range(fold.test), fold.dates_dropped);
}

}  // namespace kestrel::dataset
