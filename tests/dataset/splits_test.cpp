#include "dataset/splits.hpp"

#include <gtest/gtest.h>

namespace kestrel::dataset {
namespace {

TEST(WalkForward, ExpandingWindowsPurgeTheLabelHorizon) {
  // 100 dates, first train 40, test 20, horizon 5: nominal train [0,40) loses 36..39
  // (labels of t=35 use 36..40, and 40 is the first test date).
  const auto folds = walk_forward(100, 5, {.window = WindowKind::Expanding, .train_dates = 40, .test_dates = 20});
  ASSERT_TRUE(folds) << folds.error().message;
  ASSERT_EQ(folds->size(), 3u);
  EXPECT_EQ((*folds)[0].train, (DateRange{0, 35}));
  EXPECT_EQ((*folds)[0].test, (DateRange{40, 60}));
  EXPECT_EQ((*folds)[0].dates_dropped, 5u);
  EXPECT_EQ((*folds)[1].train, (DateRange{0, 55}));
  EXPECT_EQ((*folds)[1].test, (DateRange{60, 80}));
  EXPECT_EQ((*folds)[2].train, (DateRange{0, 75}));
  EXPECT_EQ((*folds)[2].test, (DateRange{80, 100}));
  for (const Fold& fold : *folds) {
    // The last training label window (t+1 .. t+5) ends before the test window.
    EXPECT_LT(fold.train.end - 1 + 5, fold.test.begin);
  }
}

TEST(WalkForward, RollingWindowsWithValidationEmbargoAndStep) {
  // train 30, valid 10, test 10, step 15, horizon 2, embargo 3, from date 5, 80 dates.
  const auto folds = walk_forward(80, 2,
                                  {.window = WindowKind::Rolling, .train_dates = 30, .valid_dates = 10,
                                   .test_dates = 10, .step_dates = 15, .first_date = 5, .embargo = 3});
  ASSERT_TRUE(folds) << folds.error().message;
  ASSERT_EQ(folds->size(), 3u);
  // Fold 0: nominal train [5,35), valid [35,45), test [45,55).
  EXPECT_EQ((*folds)[0].train, (DateRange{5, 30}));
  EXPECT_EQ((*folds)[0].valid, (DateRange{35, 40}));
  EXPECT_EQ((*folds)[0].test, (DateRange{45, 55}));
  EXPECT_EQ((*folds)[0].dates_dropped, 10u);
  // Fold 1: everything moves 15 dates; the rolling window keeps its length.
  EXPECT_EQ((*folds)[1].train, (DateRange{20, 45}));
  EXPECT_EQ((*folds)[1].valid, (DateRange{50, 55}));
  EXPECT_EQ((*folds)[1].test, (DateRange{60, 70}));
  // Fold 2: test [75,85) is clipped to the panel's 80 dates.
  EXPECT_EQ((*folds)[2].test, (DateRange{75, 80}));
}

TEST(WalkForward, IsDeterministicAndRejectsImpossibleOptions) {
  const WalkForwardOptions options{.train_dates = 50, .test_dates = 10};
  const auto a = walk_forward(200, 1, options);
  const auto b = walk_forward(200, 1, options);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].train, (*b)[i].train);
  EXPECT_FALSE(walk_forward(200, 1, {.train_dates = 5, .test_dates = 10, .embargo = 5}));  // purged away
  EXPECT_FALSE(walk_forward(40, 1, {.train_dates = 50, .test_dates = 10}));  // no fold fits
  EXPECT_FALSE(walk_forward(40, 1, {.train_dates = 0, .test_dates = 10}));
}

std::vector<core::Date> weekdays(core::Date from, core::Date to) {
  std::vector<core::Date> out;
  for (core::Date d = from; d <= to; d = d + 1) {
    if (!d.is_weekend()) out.push_back(d);
  }
  return out;
}

TEST(FixedSegments, TrainValidTestByCalendarDates) {
  // Weekdays of 2014-2019; train through 2014, validate 2015-2016, test 2017-2019.
  const auto dates = weekdays(core::Date::from_ymd(2014, 1, 1), core::Date::from_ymd(2019, 12, 31));
  const auto fold = fixed_segments(dates, 5, 2,
                                   {.valid_begin = core::Date::from_ymd(2015, 1, 1),
                                    .test_begin = core::Date::from_ymd(2017, 1, 1),
                                    .test_end = core::Date::from_ymd(2019, 12, 31)});
  ASSERT_TRUE(fold) << fold.error().message;
  auto date = [&](std::size_t t) { return dates[t].to_string(); };
  // 2015-01-01 is a Thursday: the 7 dates (5 purge + 2 embargo) before it, 12-23 .. 12-31,
  // are dropped, so the last training date is Monday 2014-12-22.
  EXPECT_EQ(date(fold->train.begin), "2014-01-01");
  EXPECT_EQ(date(fold->train.end - 1), "2014-12-22");
  EXPECT_EQ(date(fold->valid.begin), "2015-01-01");
  EXPECT_EQ(date(fold->valid.end - 1), "2016-12-21");  // 2017-01-02 (Monday) minus 7 dates
  EXPECT_EQ(date(fold->test.begin), "2017-01-02");
  EXPECT_EQ(date(fold->test.end - 1), "2019-12-31");
  EXPECT_EQ(fold->dates_dropped, 14u);
  EXPECT_NE(describe(*fold, dates).find("test 2017-01-02..2019-12-31"), std::string::npos);
}

TEST(FixedSegments, NoValidationSegmentAndBadOrder) {
  const auto dates = weekdays(core::Date::from_ymd(2020, 1, 1), core::Date::from_ymd(2020, 12, 31));
  const auto fold = fixed_segments(dates, 1, 0,
                                   {.valid_begin = core::Date::from_ymd(2020, 7, 1),
                                    .test_begin = core::Date::from_ymd(2020, 7, 1)});
  ASSERT_TRUE(fold);
  EXPECT_TRUE(fold->valid.empty());
  EXPECT_EQ(dates[fold->train.end - 1].to_string(), "2020-06-29");  // label uses 06-30 only
  EXPECT_EQ(fold->test.end, dates.size());
  EXPECT_FALSE(fixed_segments(dates, 1, 0,
                              {.valid_begin = core::Date::from_ymd(2020, 9, 1),
                               .test_begin = core::Date::from_ymd(2020, 7, 1)}));
}

TEST(FixedSegments, ExplicitEndsLeaveGapsThatCountTowardsThePurge) {
  // Weekdays of 2014-2019. Train 2014 ending 2014-11-28, validate 2015-01-01..2016-06-30, test
  // from 2017. The gaps (December 2014; 2016-07-01..2016-12-30) are longer than the 7-date purge
  // (5 + embargo 2), so nothing is dropped by purging.
  const auto dates = weekdays(core::Date::from_ymd(2014, 1, 1), core::Date::from_ymd(2019, 12, 31));
  auto date = [&](std::size_t t) { return dates[t].to_string(); };
  const auto fold = fixed_segments(dates, 5, 2,
                                   {.train_end = core::Date::from_ymd(2014, 11, 28),
                                    .valid_begin = core::Date::from_ymd(2015, 1, 1),
                                    .valid_end = core::Date::from_ymd(2016, 6, 30),
                                    .test_begin = core::Date::from_ymd(2017, 1, 1)});
  ASSERT_TRUE(fold) << fold.error().message;
  EXPECT_EQ(date(fold->train.end - 1), "2014-11-28");
  EXPECT_EQ(date(fold->valid.begin), "2015-01-01");
  EXPECT_EQ(date(fold->valid.end - 1), "2016-06-30");
  EXPECT_EQ(date(fold->test.begin), "2017-01-02");
  EXPECT_EQ(fold->dates_dropped, 0u);
  // An end close to the next segment is still purged: after 2014-12-26 (Friday) only 3 dates
  // come before 2015-01-01, so 4 of the 7 purged dates are training dates (12-23 .. 12-26) and
  // the last training date is 2014-12-22.
  const auto close = fixed_segments(dates, 5, 2,
                                    {.train_end = core::Date::from_ymd(2014, 12, 26),
                                     .valid_begin = core::Date::from_ymd(2015, 1, 1),
                                     .test_begin = core::Date::from_ymd(2017, 1, 1)});
  ASSERT_TRUE(close) << close.error().message;
  EXPECT_EQ(date(close->train.end - 1), "2014-12-22");
  EXPECT_EQ(close->dates_dropped, 4u + 7u);  // 4 from train, 7 from valid against the test start
  // Ends out of order are errors.
  EXPECT_FALSE(fixed_segments(dates, 5, 2, {.train_end = core::Date::from_ymd(2015, 2, 1),
                                            .valid_begin = core::Date::from_ymd(2015, 1, 1),
                                            .test_begin = core::Date::from_ymd(2017, 1, 1)}));
  EXPECT_FALSE(fixed_segments(dates, 5, 2, {.valid_begin = core::Date::from_ymd(2015, 1, 1),
                                            .valid_end = core::Date::from_ymd(2017, 3, 1),
                                            .test_begin = core::Date::from_ymd(2017, 1, 1)}));
  EXPECT_FALSE(fixed_segments(dates, 5, 2, {.valid_begin = core::Date::from_ymd(2017, 1, 1),
                                            .valid_end = core::Date::from_ymd(2017, 1, 1),
                                            .test_begin = core::Date::from_ymd(2017, 1, 1)}));
}

}  // namespace
}  // namespace kestrel::dataset
