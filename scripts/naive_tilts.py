#!/usr/bin/env python3
"""Scores of two naive rules, for the horizons comparison's controls (scripts/horizons.sh).

A survivorship-biased universe (today's index members, traded in the past) rewards buying
what was small or volatile then: the names that grew into the index are in the data, the ones
that shrank out of it are not. A model that learned a size or volatility tilt looks skilled on
such data. These two rules have no model at all:

  small.csv     score = -log(20-day mean dollar volume): the smallest names rank first
  volatile.csv  score = 20-day standard deviation of daily log returns (adjusted close)

Each row is computed from the bars up to and including its date only.
Usage: naive_tilts.py DATA_FOLDER OUT_FOLDER FIRST_DATE   (needs python3-pandas)
"""
import glob
import math
import os
import sys

import numpy as np
import pandas as pd


def main() -> None:
    data, out, first = sys.argv[1], sys.argv[2], sys.argv[3]
    small, volatile = [], []
    for path in sorted(glob.glob(os.path.join(data, "*.csv.gz")) + glob.glob(os.path.join(data, "*.csv"))):
        name = os.path.basename(path)
        ticker = name[: -len(".csv.gz")] if name.endswith(".csv.gz") else name[: -len(".csv")]
        if ticker in ("SPX", "SPY"):
            continue
        bars = pd.read_csv(path)
        if not {"date", "close", "adj_close", "volume"} <= set(bars.columns):
            continue  # the folder's other files (universe, corporate actions, quality flags)
        bars = bars.sort_values("date")
        dollar_volume = (bars["close"] * bars["volume"]).rolling(20).mean()
        volatility = np.log(bars["adj_close"]).diff().rolling(20).std()
        keep = bars["date"] >= first
        for date, dv, vol in zip(bars["date"][keep], dollar_volume[keep], volatility[keep]):
            if math.isfinite(dv) and dv > 0:
                small.append((date, ticker, -math.log(dv)))
            if math.isfinite(vol):
                volatile.append((date, ticker, vol))
    os.makedirs(out, exist_ok=True)
    for rows, file in ((small, "small.csv"), (volatile, "volatile.csv")):
        pd.DataFrame(rows, columns=["date", "ticker", "score"]).to_csv(
            os.path.join(out, file), index=False, float_format="%.9g")


if __name__ == "__main__":
    main()
