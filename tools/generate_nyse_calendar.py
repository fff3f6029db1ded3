#!/usr/bin/env python3
"""Writes data/calendar/nyse_closures.csv: every weekday on which the NYSE was (or is
scheduled to be) closed for the whole day, 1980-01-01 .. 2030-12-31.

The regular holidays come from NYSE's rules (with the years each rule applied); the
unscheduled closures (weather, national days of mourning, 9/11) are listed by hand.
Early closes (half days) are sessions and are not listed. Rerun after changing a rule or
adding a closure; the CSV is committed and compiled into the kestrel binary.

Usage: python3 tools/generate_nyse_calendar.py [OUTPUT.csv]
"""

import datetime as dt
import pathlib
import sys

FIRST_YEAR = 1980
LAST_YEAR = 2030

# Unscheduled full-day closures on weekdays in range.
SPECIAL_CLOSURES = [
    (dt.date(1985, 9, 27), "Hurricane Gloria"),
    (dt.date(1994, 4, 27), "National Day of Mourning for Richard Nixon"),
    (dt.date(2001, 9, 11), "September 11 attacks"),
    (dt.date(2001, 9, 12), "September 11 attacks"),
    (dt.date(2001, 9, 13), "September 11 attacks"),
    (dt.date(2001, 9, 14), "September 11 attacks"),
    (dt.date(2004, 6, 11), "National Day of Mourning for Ronald Reagan"),
    (dt.date(2007, 1, 2), "National Day of Mourning for Gerald Ford"),
    (dt.date(2012, 10, 29), "Hurricane Sandy"),
    (dt.date(2012, 10, 30), "Hurricane Sandy"),
    (dt.date(2018, 12, 5), "National Day of Mourning for George H. W. Bush"),
    (dt.date(2025, 1, 9), "National Day of Mourning for Jimmy Carter"),
]


def easter(year):
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def nth_weekday(year, month, weekday, n):
    """n-th (1-based) weekday (0 = Monday) of a month; n = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = next_month - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def observed(day):
    """A fixed-date holiday on a Saturday is observed on Friday, on a Sunday on Monday."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def regular_holidays(year):
    days = []
    new_year = dt.date(year, 1, 1)
    # NYSE rule: when Jan 1 is a Saturday the exchange does not close the Friday before
    # (it would fall in the previous year, at year-end).
    if new_year.weekday() != 5:
        days.append((observed(new_year), "New Year's Day"))
    if year >= 1998:  # the NYSE first closed for Martin Luther King Jr. Day in 1998
        days.append((nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day"))
    days.append((nth_weekday(year, 2, 0, 3), "Washington's Birthday"))
    days.append((easter(year) - dt.timedelta(days=2), "Good Friday"))
    days.append((nth_weekday(year, 5, 0, -1), "Memorial Day"))
    if year >= 2022:  # first observed by the NYSE in 2022
        days.append((observed(dt.date(year, 6, 19)), "Juneteenth National Independence Day"))
    days.append((observed(dt.date(year, 7, 4)), "Independence Day"))
    days.append((nth_weekday(year, 9, 0, 1), "Labor Day"))
    if year <= 1980 and year % 4 == 0:
        # Presidential Election Day (Tuesday after the first Monday of November) was an NYSE
        # holiday through 1980.
        days.append((nth_weekday(year, 11, 0, 1) + dt.timedelta(days=1), "Election Day"))
    days.append((nth_weekday(year, 11, 3, 4), "Thanksgiving Day"))
    days.append((observed(dt.date(year, 12, 25)), "Christmas Day"))
    return days


def closures():
    rows = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        rows.extend(regular_holidays(year))
    rows.extend(SPECIAL_CLOSURES)
    rows.sort()
    for (a, _), (b, _) in zip(rows, rows[1:]):
        if a == b:
            raise SystemExit(f"two closures on {a}")
    for day, reason in rows:
        if day.weekday() >= 5 or not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise SystemExit(f"{day} {reason}: not a weekday in {FIRST_YEAR}..{LAST_YEAR}")
    return rows


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data/calendar/nyse_closures.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="\n") as f:
        f.write("date,reason\n")
        for day, reason in closures():
            f.write(f"{day.isoformat()},{reason}\n")


if __name__ == "__main__":
    main()
