#pragma once
// Train / validation / test windows over a panel's date axis, with purging and an embargo.
//
// All ranges are half-open [begin, end) in panel date indices (trading days), shared by the
// FeatureMatrix and the Labels. A training sample at date t carries a label that uses dates
// t+1 .. t+horizon (see labels.hpp); if that window reaches into the window that follows
// (validation or test), the label has "seen" evaluation data. Such samples are purged, and
// `embargo` further dates are dropped before each evaluation window to cover serial
// correlation that outlives the label (López de Prado, ch. 7). Time only moves forward here:
// every window precedes the one it is evaluated against, so the embargo sits in the gap
// between them. Within a fold:
//
//   nominal:  [ train ..................... )[ valid ......... )[ test ......... )
//   used:     [ train ......... )ppppp eeeee [ valid )ppppp eeeee[ test ......... )
//                                purge embargo        (purge = horizon dates,
//                                                       embargo = `embargo` dates)
// Everything is a pure function of the dates and options: deterministic.
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/date.hpp"
#include "core/error.hpp"

namespace kestrel::dataset {

struct DateRange {
  std::size_t begin = 0;
  std::size_t end = 0;  // exclusive
  std::size_t size() const { return end > begin ? end - begin : 0; }
  bool empty() const { return size() == 0; }
  bool contains(std::size_t t) const { return t >= begin && t < end; }
  bool operator==(const DateRange&) const = default;
};

struct Fold {
  std::size_t index = 0;
  DateRange train;  // after purge and embargo
  DateRange valid;  // may be empty; after purge and embargo against the test window
  DateRange test;
  std::size_t dates_dropped = 0;  // by purge + embargo, train and valid together
};

enum class WindowKind { Expanding, Rolling };

struct WalkForwardOptions {
  WindowKind window = WindowKind::Expanding;
  std::size_t train_dates = 756;  // rolling: every fold's; expanding: the first fold's (3 years)
  std::size_t valid_dates = 0;    // carved after the training window, before the test window
  std::size_t test_dates = 252;   // one year
  std::size_t step_dates = 0;     // between folds' test starts; 0 = test_dates (no overlap)
  std::size_t first_date = 0;     // first usable date index (e.g. after feature warm-up)
  std::size_t end_date = std::numeric_limits<std::size_t>::max();  // exclusive; clamped
  std::size_t embargo = 0;
};

// Folds in date order. The last test window is clipped to end_date; a fold whose training
// window would be empty after purging is an error (the options cannot work), as are no folds.
core::Result<std::vector<Fold>> walk_forward(std::size_t num_dates, std::size_t horizon,
                                             const WalkForwardOptions& options);

// Fixed calendar segments, e.g. train through 2014, validate 2015-2016, test 2017-2019:
// {.valid_begin = 2015-01-01, .test_begin = 2017-01-01, .test_end = 2019-12-31}. Dates need
// not be trading days; each boundary snaps to the first panel date on or after it.
// Ends are inclusive. Without train_end (valid_end) a segment runs up to the next segment's
// start; with it, the dates between the end and the next start are left out (a gap, e.g. a
// year kept for nothing), and purging against the next segment only drops what the gap does
// not already cover.
struct SegmentDates {
  std::optional<core::Date> train_begin{};  // default: the first panel date
  std::optional<core::Date> train_end{};    // default: up to valid_begin
  core::Date valid_begin{};                 // == test_begin for no validation segment
  std::optional<core::Date> valid_end{};    // default: up to test_begin
  core::Date test_begin{};
  std::optional<core::Date> test_end{};     // default: the last panel date
};
core::Result<Fold> fixed_segments(std::span<const core::Date> dates, std::size_t horizon,
                                  std::size_t embargo, const SegmentDates& segments);

// "fold 0: train 2010-01-04..2012-12-24 (744) | valid … | test 2013-01-02..2013-12-31 (252)".
std::string describe(const Fold& fold, std::span<const core::Date> dates);

}  // namespace kestrel::dataset
