#!/usr/bin/python3
"""The 20 indicators of `kestrel bench features --set pandas20`, in pandas, for a like-for-like figure.

Usage: bash bench/features_vs_pandas.sh (runs both back to back and prints the ratio), or
       /usr/bin/python3 bench/pandas_features.py ../shared/data/us-daily

Loads every <TICKER>.csv.gz of the folder into wide (date x ticker) frames of adjusted
open/high/low/close and split-adjusted volume (as kestrel's Panel does), then times computing:
ret_1d, ret_20d, sma_ratio_20, sma_ratio_200, ema_ratio_20, ema_ratio_50, rsi_14, macd line/
signal/hist, Bollinger %B and bandwidth, natr_14, stochastic %K/%D, williams %R, cci_20,
obv_slope_20, mfi_14, rv_20 -- vectorised across tickers the way pandas is usually used (rolling
and ewm on wide frames, numpy sliding windows for CCI's mean deviation). The printed compute time
excludes loading. Debian's python3-pandas (1.5) and numpy.
"""
import glob
import os
import sys
import time

import numpy as np
import pandas as pd


def load(folder):
    frames = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.csv.gz"))):
        ticker = os.path.basename(path)[: -len(".csv.gz")]
        frames[ticker] = pd.read_csv(path, parse_dates=["date"], index_col="date")
    wide = {field: pd.DataFrame({t: f[field] for t, f in frames.items()})
            for field in ["open", "high", "low", "close", "adj_close", "volume"]}
    factor = wide["adj_close"] / wide["close"]
    split = pd.DataFrame(1.0, index=wide["close"].index, columns=wide["close"].columns)
    actions_path = os.path.join(folder, "corporate_actions.csv")
    if os.path.exists(actions_path):
        actions = pd.read_csv(actions_path, parse_dates=["date"])
        for row in actions[actions.split_coefficient != 1].itertuples():
            if row.ticker in split.columns:
                split.loc[split.index < row.date, row.ticker] *= row.split_coefficient
    return (wide["open"] * factor, wide["high"] * factor, wide["low"] * factor, wide["adj_close"],
            wide["volume"] * split)


def wilder(x, period):
    return x.ewm(alpha=1.0 / period, adjust=False, min_periods=period).mean()


def compute(o, h, l, c, v):
    out = {}
    out["ret_1d"] = c.pct_change(1)
    out["ret_20d"] = c.pct_change(20)
    out["sma_ratio_20"] = c / c.rolling(20).mean() - 1
    out["sma_ratio_200"] = c / c.rolling(200).mean() - 1
    out["ema_ratio_20"] = c / c.ewm(span=20, adjust=False, min_periods=20).mean() - 1
    out["ema_ratio_50"] = c / c.ewm(span=50, adjust=False, min_periods=50).mean() - 1
    change = c.diff()
    gain = wilder(change.clip(lower=0), 14)
    loss = wilder(-change.clip(upper=0), 14)
    out["rsi_14"] = 100 * gain / (gain + loss)
    fast = c.ewm(span=12, adjust=False, min_periods=12).mean()
    slow = c.ewm(span=26, adjust=False, min_periods=26).mean()
    line = fast - slow
    signal = line.ewm(span=9, adjust=False, min_periods=9).mean()
    out["macd_line"] = line / c
    out["macd_signal"] = signal / c
    out["macd_hist"] = (line - signal) / c
    mid = c.rolling(20).mean()
    sd = c.rolling(20).std(ddof=0)
    out["bb_pct_b_20"] = (c - (mid - 2 * sd)) / (4 * sd)
    out["bb_bandwidth_20"] = 4 * sd / mid
    prev = c.shift(1)
    tr = pd.concat([h - l, (h - prev).abs(), (l - prev).abs()]).groupby(level=0).max()
    out["natr_14"] = 100 * wilder(tr, 14) / c
    lowest = l.rolling(14).min()
    highest = h.rolling(14).max()
    fast_k = 100 * (c - lowest) / (highest - lowest)
    slow_k = fast_k.rolling(3).mean()
    out["stoch_k_14"] = slow_k
    out["stoch_d_14"] = slow_k.rolling(3).mean()
    out["willr_14"] = -100 * (highest - c) / (highest - lowest)
    typical = (h + l + c) / 3
    values = typical.to_numpy()
    windows = np.lib.stride_tricks.sliding_window_view(values, 20, axis=0)
    mad = np.abs(windows - windows.mean(axis=2, keepdims=True)).mean(axis=2)
    mad_frame = pd.DataFrame(np.vstack([np.full((19, values.shape[1]), np.nan), mad]), index=c.index,
                             columns=c.columns)
    out["cci_20"] = (typical - typical.rolling(20).mean()) / (0.015 * mad_frame)
    obv = (np.sign(change) * v).fillna(0).cumsum()
    out["obv_slope_20"] = obv.diff(20) / v.rolling(20).sum()
    flow = typical * v
    up = flow.where(typical.diff() > 0, 0.0).rolling(14).sum()
    down = flow.where(typical.diff() < 0, 0.0).rolling(14).sum()
    out["mfi_14"] = 100 * up / (up + down)
    out["rv_20"] = np.log(c).diff().rolling(20).std() * np.sqrt(252)
    return out


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/us-daily"
    start = time.perf_counter()
    o, h, l, c, v = load(folder)
    load_s = time.perf_counter() - start
    times = []
    cpu_times = []
    for _ in range(3):
        start = time.perf_counter()
        cpu_start = time.process_time()
        out = compute(o, h, l, c, v)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    present = sum(int(f.notna().to_numpy().sum()) for f in out.values())
    print(f"pandas features: {folder} ({c.shape[1]} tickers x {c.shape[0]} dates), pandas {pd.__version__}")
    print(f"  load {load_s:.2f} s")
    print(f"  {len(out)} indicators, {present} values present")
    print(f"  compute best {min(times):.2f} s  median {sorted(times)[1]:.2f} s  (of 3 runs; excludes load)")
    print(f"  compute CPU time best {min(cpu_times):.2f} s  median {sorted(cpu_times)[1]:.2f} s")


if __name__ == "__main__":
    main()
