#!/usr/bin/python3
"""Independent reference values for every feature of docs/features.md.

Written from the definitions in docs/features.md (and TA-Lib's published algorithms for the
indicators it names), with numpy and pandas only: it never runs or imports Kestrel, and its
kernels are plain windowed formulas (sliding windows, not Kestrel's running sums). The C++
test tests/features/feature_values_test.cpp builds a Panel from the same input files, runs
features::compute_features and compares every feature with the fixture written here.

    /usr/bin/python3 tests/features/reference/feature_values.py                # writes the fixture
    /usr/bin/python3 tests/features/reference/feature_values.py --make-inputs  # re-derives the inputs

Inputs (committed): tests/features/fixtures/values/input/ — a few tickers of data/sample cut to
2010-11-01 .. 2016-12-30, with sample's own missing days plus edits made by --make-inputs
(see EDITS): a bridged 5-day gap, a 6-day gap that restarts every warm-up, a late listing, an
early delisting, an incomplete bar and a zero-volume bar. Splits: FCX 2:1 (2011), DUK 1:3
reverse (2012), AAPL 7:1 (2014), NFLX 7:1 (2015); dividends for most.

Output (committed): tests/features/fixtures/values/expected.csv.gz, one row per (ticker, date)
for a sample of dates that covers every warm-up edge of every run, the days around gaps and
splits, the missing days themselves (all NaN), every 7th panel date and the last dates;
columns ticker, date, then the features in docs order; empty = NaN; 9 significant digits.

Before writing, the script checks its TA-Lib kernels against TA-Lib's own output in
tests/features/fixtures/talib_*.csv (npm talib 2.0.5) to 1e-9 relative, and that every
time-series feature starts exactly at its documented lookback.
"""
import argparse
import gzip
import io
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "features.md"
SAMPLE = ROOT / "data" / "sample"
FIXTURES = ROOT / "tests" / "features" / "fixtures"
INPUT = FIXTURES / "values" / "input"
OUTPUT = FIXTURES / "values" / "expected.csv.gz"

# --- the fixture's inputs -----------------------------------------------------------------

TICKERS = ["AAPL", "DUK", "FCX", "JPM", "NFLX", "XOM", "SPY"]
START, END = "2010-11-01", "2016-12-30"
# Per ticker: (first date, last date) overrides, dates removed, and field edits.
EDITS = {
    "NFLX": {"first": "2011-03-01"},  # listed after the panel starts
    "FCX": {"last": "2016-09-30"},  # delisted before it ends
    # 5 missing sessions (= max_gap): bridged; the 7:1 split is on the next bar (2014-06-09).
    "AAPL": {"drop": ["2014-06-02", "2014-06-03", "2014-06-04", "2014-06-05", "2014-06-06"]},
    # 6 missing sessions (> max_gap): every feature restarts its warm-up on 2013-03-12.
    "JPM": {"drop": ["2013-03-04", "2013-03-05", "2013-03-06", "2013-03-07", "2013-03-08", "2013-03-11"]},
    # low = 0: not a complete bar, so a missing day (bridged).
    "XOM": {"set": {("2016-02-10", "low"): "0"}},
    # zero volume is a complete bar.
    "DUK": {"set": {("2014-11-28", "volume"): "0"}},
}
BENCHMARK = "SPY"
MAX_GAP = 5
BAR_COLUMNS = ["date", "open", "high", "low", "close", "adj_close", "volume"]


def write_gzip(path, text):
    # mtime 0 and no file name: the same text gives the same bytes.
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as z:
            z.write(text.encode())


def make_inputs():
    """Copies the chosen tickers of data/sample (text unchanged, except the EDITS)."""
    INPUT.mkdir(parents=True, exist_ok=True)
    for ticker in TICKERS:
        lines = gzip.decompress((SAMPLE / f"{ticker}.csv.gz").read_bytes()).decode().splitlines()
        header, rows = lines[0], lines[1:]
        assert header == ",".join(BAR_COLUMNS), header
        edit = EDITS.get(ticker, {})
        first, last = edit.get("first", START), edit.get("last", END)
        drop = set(edit.get("drop", []))
        out = [header]
        for row in rows:
            cells = row.split(",")
            if not (first <= cells[0] <= last) or cells[0] in drop:
                continue
            for (date, field), value in edit.get("set", {}).items():
                if cells[0] == date:
                    cells[BAR_COLUMNS.index(field)] = value
            out.append(",".join(cells))
        write_gzip(INPUT / f"{ticker}.csv.gz", "\n".join(out) + "\n")
    actions = (SAMPLE / "corporate_actions.csv").read_text().splitlines()
    kept = [actions[0]] + [a for a in actions[1:] if a.split(",")[0] in TICKERS and START <= a.split(",")[1] <= END]
    (INPUT / "corporate_actions.csv").write_text("\n".join(kept) + "\n")
    universe = (SAMPLE / "universe.csv").read_text().splitlines()
    kept = [universe[0]] + [u for u in universe[1:] if u.split(",")[0] in TICKERS]
    (INPUT / "universe.csv").write_text("\n".join(kept) + "\n")
    print(f"{INPUT}: {len(TICKERS)} tickers")


# --- documented features -------------------------------------------------------------------


def documented_features():
    """(name, lookback) of every feature row of docs/features.md, in page order."""
    features = []
    for line in DOCS.read_text().splitlines():
        m = re.match(r"^\| `([a-z0-9_]+)` \|.*\| (\d+) \| (yes|no) \|$", line)
        if m:
            features.append((m.group(1), int(m.group(2))))
    return features


# --- loading (docs/data.md, "Contents" and Panel::adjusted as documented) -----------------


def load_inputs(folder):
    bars = {}
    for path in sorted(folder.glob("*.csv.gz")):
        ticker = path.name.split(".")[0]
        bars[ticker] = pd.read_csv(path, dtype={"date": str}, float_precision="round_trip")
    actions = pd.read_csv(folder / "corporate_actions.csv", dtype={"date": str}, float_precision="round_trip")
    universe = pd.read_csv(folder / "universe.csv")
    sectors = dict(zip(universe.ticker, universe.sector))
    return bars, actions, sectors


def adjust(raw, splits):
    """Adjusted o/h/l/c (price × adj_close / close) and split-adjusted volume (shares × the
    product of the split coefficients dated after the bar)."""
    k = raw.adj_close.to_numpy() / raw.close.to_numpy()
    factor = np.ones(len(raw))
    dates = raw.date.to_numpy()
    for date, coefficient in splits:
        factor[dates < date] *= coefficient
    out = pd.DataFrame({"date": raw.date})
    for f in ["open", "high", "low", "close"]:
        out[f] = raw[f].to_numpy() * k
    out["volume"] = raw.volume.to_numpy() * factor
    return out


def complete(df):
    ok = np.ones(len(df), dtype=bool)
    for f in ["open", "high", "low", "close"]:
        x = df[f].to_numpy()
        ok &= np.isfinite(x) & (x > 0)
    v = df.volume.to_numpy()
    return ok & np.isfinite(v) & (v >= 0)


# --- kernels on one gap-free run (arrays indexed by the run's bars) ------------------------

NAN = float("nan")


def windows(x, n):
    """Rows of the last n values ending at each bar from n-1 on."""
    return np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=float), n)


def rolling(x, n, f):
    out = np.full(len(x), NAN)
    if len(x) >= n:
        out[n - 1:] = f(windows(x, n))
    return out


def shifted(x, k):
    """x[t - k] (NaN for t < k)."""
    out = np.full(len(x), NAN)
    if k < len(x):
        out[k:] = x[: len(x) - k]
    return out


def sma(x, n):
    return rolling(x, n, lambda w: w.mean(axis=1))


def ema_talib(x, n, seed_at=None):
    """TA-Lib EMA: k = 2 / (n + 1), seeded with the mean of the n values ending at `seed_at`
    (default n - 1, the first possible bar)."""
    out = np.full(len(x), NAN)
    s = n - 1 if seed_at is None else seed_at
    if s >= len(x):
        return out
    k = 2.0 / (n + 1)
    e = np.mean(x[s - n + 1: s + 1])
    out[s] = e
    for t in range(s + 1, len(x)):
        e = (x[t] - e) * k + e
        out[t] = e
    return out


def is_zero(v):
    return -1e-8 < v < 1e-8  # TA-Lib's TA_IS_ZERO


def rsi_talib(c, n):
    out = np.full(len(c), NAN)
    if len(c) <= n:
        return out
    d = np.diff(c)
    gain = np.where(d > 0, d, 0.0)
    loss = np.where(d < 0, -d, 0.0)
    g, l_ = gain[:n].mean(), loss[:n].mean()  # first n changes (bars 1..n)

    def value(g, l_):
        return 100 * g / (g + l_) if not is_zero(g + l_) else 0.0

    out[n] = value(g, l_)
    for t in range(n + 1, len(c)):
        g = (g * (n - 1) + gain[t - 1]) / n
        l_ = (l_ * (n - 1) + loss[t - 1]) / n
        out[t] = value(g, l_)
    return out


def macd_talib(c, fast=12, slow=26, signal=9):
    """Both EMAs start at bar slow - 1 (the fast one seeded with the mean of its last `fast`
    values there); signal = EMA(signal) of the line; all three start at slow + signal - 2."""
    n = len(c)
    line = ema_talib(c, fast, seed_at=slow - 1) - ema_talib(c, slow)
    sig = np.full(n, NAN)
    if n > slow - 1:
        sig[slow - 1:] = ema_talib(line[slow - 1:], signal)
    first = slow + signal - 2
    line[:first] = NAN
    return line, sig, line - sig


def bbands_talib(c, n=20, k=2.0):
    mid = sma(c, n)
    var = rolling(c, n, lambda w: w.var(axis=1))  # population variance
    sd = np.where(var < 1e-8, 0.0, np.sqrt(np.maximum(var, 0)))  # TA-Lib: 0 below 1e-8
    sd[np.isnan(var)] = NAN
    return mid + k * sd, mid, mid - k * sd


def true_range(h, l_, c):
    prev = shifted(c, 1)
    tr = np.maximum(h - l_, np.maximum(np.abs(h - prev), np.abs(l_ - prev)))
    tr[0] = NAN
    return tr


def atr_talib(h, l_, c, n):
    out = np.full(len(c), NAN)
    if len(c) <= n:
        return out
    tr = true_range(h, l_, c)
    a = tr[1: n + 1].mean()
    out[n] = a
    for t in range(n + 1, len(c)):
        a = (a * (n - 1) + tr[t]) / n
        out[t] = a
    return out


def natr_talib(h, l_, c, n):
    return atr_talib(h, l_, c, n) / c * 100


def stoch_talib(h, l_, c, fast_k=14, slow_k=3, slow_d=3):
    hh = rolling(h, fast_k, lambda w: w.max(axis=1))
    ll = rolling(l_, fast_k, lambda w: w.min(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(hh - ll != 0, (c - ll) / (hh - ll) * 100, 0.0)
    k[np.isnan(hh)] = NAN
    slow = np.full(len(c), NAN)
    start = fast_k - 1
    if len(c) > start:
        slow[start:] = sma(k[start:], slow_k)
    d = np.full(len(c), NAN)
    start2 = fast_k + slow_k - 2
    if len(c) > start2:
        d[start2:] = sma(slow[start2:], slow_d)
    first = fast_k + slow_k + slow_d - 3
    slow[:first] = NAN
    return slow, d


def willr_talib(h, l_, c, n=14):
    hh = rolling(h, n, lambda w: w.max(axis=1))
    ll = rolling(l_, n, lambda w: w.min(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(hh - ll != 0, -100 * (hh - c) / (hh - ll), 0.0)
    out[np.isnan(hh)] = NAN
    return out


def cci_talib(h, l_, c, n=20):
    tp = (h + l_ + c) / 3
    out = np.full(len(c), NAN)
    if len(c) < n:
        return out
    w = windows(tp, n)
    mean = w.mean(axis=1)
    mad = np.abs(w - mean[:, None]).mean(axis=1)
    dev = tp[n - 1:] - mean
    with np.errstate(invalid="ignore", divide="ignore"):
        out[n - 1:] = np.where((mad != 0) & (dev != 0), dev / (0.015 * mad), 0.0)
    return out


def adx_talib(h, l_, c, n=14):
    """Wilder's +DI, -DI and ADX as TA-Lib computes them: the directional movements and true
    ranges of bars 1 .. n-1 are summed, then smoothed as s = s - s/n + x from bar n on, where
    the DI start; DX from bar n on; ADX = mean of the first n DX at bar 2n-1, then Wilder."""
    m = len(c)
    plus_di, minus_di, adx = (np.full(m, NAN) for _ in range(3))
    if m <= n:
        return adx, plus_di, minus_di
    up = np.diff(h)
    down = -np.diff(l_)
    pdm = np.where((up > 0) & (up > down), up, 0.0)
    mdm = np.where((down > 0) & (down > up), down, 0.0)
    tr = true_range(h, l_, c)[1:]
    sp, sm, st = pdm[: n - 1].sum(), mdm[: n - 1].sum(), tr[: n - 1].sum()
    dx = np.full(m, NAN)
    for t in range(n, m):
        sp = sp - sp / n + pdm[t - 1]
        sm = sm - sm / n + mdm[t - 1]
        st = st - st / n + tr[t - 1]
        if is_zero(st):
            plus_di[t] = minus_di[t] = 0.0
            continue
        plus_di[t] = 100 * sp / st
        minus_di[t] = 100 * sm / st
        total = plus_di[t] + minus_di[t]
        if not is_zero(total):
            dx[t] = 100 * abs(plus_di[t] - minus_di[t]) / total
    first = 2 * n - 1
    if m > first:
        a = np.nansum(dx[n: first + 1]) / n
        adx[first] = a
        for t in range(first + 1, m):
            if not np.isnan(dx[t]):
                a = (a * (n - 1) + dx[t]) / n
            adx[t] = a
    return adx, plus_di, minus_di


def mfi_talib(h, l_, c, v, n=14):
    tp = (h + l_ + c) / 3
    flow = tp * v
    d = np.diff(tp)
    pos = np.concatenate([[NAN], np.where(d > 0, flow[1:], 0.0)])
    neg = np.concatenate([[NAN], np.where(d < 0, flow[1:], 0.0)])
    out = np.full(len(c), NAN)
    if len(c) <= n:
        return out
    p = windows(pos[1:], n).sum(axis=1)
    q = windows(neg[1:], n).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[n:] = np.where(p + q < 1.0, 0.0, 100 * p / (p + q))
    return out


def obv_talib(c, v):
    step = np.concatenate([[0.0], np.sign(np.diff(c))]) * v
    step[0] = v[0]
    return np.cumsum(step)


def moment_stats(x, n):
    """Population skewness m3 / m2^1.5 and excess kurtosis m4 / m2^2 - 3 of the last n values."""
    def skew(w):
        d = w - w.mean(axis=1, keepdims=True)
        m2 = (d**2).mean(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (d**3).mean(axis=1) / m2**1.5

    def kurt(w):
        d = w - w.mean(axis=1, keepdims=True)
        m2 = (d**2).mean(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (d**4).mean(axis=1) / m2**2 - 3

    return rolling(x, n, skew), rolling(x, n, kurt)


def max_drawdown(c, n):
    def f(w):
        peak = np.maximum.accumulate(w, axis=1)
        return (1 - w / peak).max(axis=1)

    return rolling(c, n, f)


def regression(x, y, n):
    """beta = cov(x, y) / var(x), correlation, and the population std of the OLS residuals
    y - alpha - beta x, over the last n bars."""
    beta, corr, resid = (np.full(len(x), NAN) for _ in range(3))
    for t in range(n - 1, len(x)):
        a, b = x[t - n + 1: t + 1], y[t - n + 1: t + 1]
        if np.isnan(a).any() or np.isnan(b).any():
            continue
        da, db = a - a.mean(), b - b.mean()
        vx, vy, cov = (da * da).mean(), (db * db).mean(), (da * db).mean()
        if not (vx > 0 and vy > 0):
            continue
        beta[t] = cov / vx
        corr[t] = cov / math.sqrt(vx * vy)
        alpha = b.mean() - beta[t] * a.mean()
        resid[t] = np.std(b - alpha - beta[t] * a)
    return beta, corr, resid


def run_features(o, h, l_, c, v, bc):
    """Every time-series feature of one gap-free run. bc: the benchmark's adjusted close on
    the run's dates (NaN where it has none)."""
    f = {}
    r = np.log(c / shifted(c, 1))
    for k in [1, 2, 5, 10, 20, 60, 120, 252]:
        f[f"ret_{k}d"] = c / shifted(c, k) - 1
    smas = {n: sma(c, n) for n in [5, 10, 20, 50, 100, 200]}
    for n in smas:
        f[f"sma_ratio_{n}"] = c / smas[n] - 1
        f[f"ema_ratio_{n}"] = c / ema_talib(c, n) - 1
    for a, b in [(5, 20), (20, 50), (50, 200)]:
        f[f"sma_cross_{a}_{b}"] = smas[a] / smas[b] - 1
    for n in [7, 14, 28]:
        f[f"rsi_{n}"] = rsi_talib(c, n)
    line, sig, hist = macd_talib(c)
    f["macd_line"], f["macd_signal"], f["macd_hist"] = line / c, sig / c, hist / c
    upper, mid, lower = bbands_talib(c)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["bb_pct_b_20"] = np.where(upper - lower > 0, (c - lower) / (upper - lower), NAN)
    f["bb_bandwidth_20"] = (upper - lower) / mid
    f["natr_14"], f["natr_28"] = natr_talib(h, l_, c, 14), natr_talib(h, l_, c, 28)
    f["stoch_k_14"], f["stoch_d_14"] = stoch_talib(h, l_, c)
    f["willr_14"] = willr_talib(h, l_, c)
    f["cci_20"] = cci_talib(h, l_, c)
    f["adx_14"], f["plus_di_14"], f["minus_di_14"] = adx_talib(h, l_, c)
    f["mfi_14"] = mfi_talib(h, l_, c, v)

    obv = obv_talib(c, v)
    for n in [20, 60]:
        with np.errstate(invalid="ignore", divide="ignore"):
            f[f"obv_slope_{n}"] = (obv - shifted(obv, n)) / rolling(v, n, lambda w: w.sum(axis=1))
    v5, v20, v60 = sma(v, 5), sma(v, 20), sma(v, 60)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["volume_ratio_1_20"] = v / v20
        f["volume_ratio_5_20"] = v5 / v20
        f["volume_ratio_20_60"] = v20 / v60
    lv = np.log1p(v)
    for n in [20, 60]:
        mean = sma(lv, n)
        sd = rolling(lv, n, lambda w: w.std(axis=1, ddof=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            f[f"volume_z_{n}"] = np.where(sd > 0, (lv - mean) / sd, np.where(np.isnan(sd), NAN, 0.0))
    with np.errstate(divide="ignore"):
        f["log_dollar_volume_20"] = np.log(sma(c * v, 20))

    for n in [5, 10, 20, 60, 120, 252]:
        f[f"rv_{n}"] = rolling(r, n, lambda w: w.std(axis=1, ddof=1)) * math.sqrt(252)
    hl2 = np.log(h / l_) ** 2
    co2 = np.log(c / o) ** 2
    for n in [20, 60]:
        f[f"parkinson_{n}"] = np.sqrt(252 * sma(hl2, n) / (4 * math.log(2)))
        gk = sma(0.5 * hl2 - (2 * math.log(2) - 1) * co2, n)
        f[f"garman_klass_{n}"] = np.where(np.isnan(gk), NAN, np.sqrt(252 * np.maximum(gk, 0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        f["rv_ratio_20_120"] = f["rv_20"] / f["rv_120"]
    for n in [20, 60, 120]:
        f[f"skew_{n}"], f[f"kurt_{n}"] = moment_stats(r, n)

    f["dist_52w_high"] = c / rolling(h, 252, lambda w: w.max(axis=1)) - 1
    f["dist_52w_low"] = c / rolling(l_, 252, lambda w: w.min(axis=1)) - 1
    for n in [20, 60, 120]:
        f[f"max_drawdown_{n}"] = max_drawdown(c, n)

    rb = np.log(bc / shifted(bc, 1))
    f["beta_60"], f["corr_60"], resid60 = regression(rb, r, 60)
    f["beta_252"], f["corr_252"], _ = regression(rb, r, 252)
    f["resid_vol_60"] = resid60 * math.sqrt(252)
    f["resid_ret_20"] = f["ret_20d"] - f["beta_60"] * (bc / shifted(bc, 20) - 1)

    width = h - l_
    with np.errstate(invalid="ignore", divide="ignore"):
        f["candle_body"] = np.where(width > 0, (c - o) / width, 0.0)
        f["candle_upper_shadow"] = np.where(width > 0, (h - np.maximum(o, c)) / width, 0.0)
        f["candle_lower_shadow"] = np.where(width > 0, (np.minimum(o, c) - l_) / width, 0.0)
    f["range_pct"] = width / c
    f["gap"] = o / shifted(c, 1) - 1
    return f


# --- the panel --------------------------------------------------------------------------------


def compute(folder, features):
    names = [name for name, _ in features]
    raw, actions, sectors = load_inputs(folder)
    tickers = sorted(raw)
    dates = sorted(set().union(*(set(df.date) for df in raw.values())))
    date_pos = {d: i for i, d in enumerate(dates)}
    nd = len(dates)

    adjusted = {}
    for t in tickers:
        splits = actions[(actions.ticker == t) & (actions.split_coefficient != 1)]
        adj = adjust(raw[t], list(zip(splits.date, splits.split_coefficient)))
        adjusted[t] = adj[complete(adj)].reset_index(drop=True)

    bench_close = np.full(nd, NAN)
    if BENCHMARK in adjusted:
        b = adjusted[BENCHMARK]
        bench_close[[date_pos[d] for d in b.date]] = b.close.to_numpy()

    # values[name][ticker] = array over panel dates (NaN where no value)
    values = {name: {t: np.full(nd, NAN) for t in tickers} for name in names}
    computed = {"day_of_week", "month"}  # names this function has computed, checked at the end
    runs = {}  # ticker -> list of arrays of panel date indices, one per run
    for t in tickers:
        df = adjusted[t]
        pos = np.array([date_pos[d] for d in df.date])
        # A run ends where more than MAX_GAP consecutive panel dates have no complete bar.
        cuts = np.flatnonzero(np.diff(pos) - 1 > MAX_GAP) + 1
        runs[t] = []
        for lo, hi in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(pos)]])):
            idx = pos[lo:hi]
            runs[t].append(idx)
            cols = [df[f].to_numpy()[lo:hi] for f in ["open", "high", "low", "close", "volume"]]
            out = run_features(*cols, bench_close[idx])
            computed.update(out)
            for name, series in out.items():
                series = np.where(np.isfinite(series), series, NAN)  # non-finite = missing
                values[name][t][idx] = series
        when = pd.to_datetime(pd.Series([dates[i] for i in pos]))
        values["day_of_week"][t][pos] = when.dt.weekday.to_numpy()
        values["month"][t][pos] = when.dt.month.to_numpy()

    present = {t: ~np.isnan(values["day_of_week"][t]) for t in tickers}
    universe = [t for t in tickers if sectors.get(t, "") != "Benchmark" and t != BENCHMARK]

    def f32(x):
        return np.asarray(x, dtype=np.float32).astype(float)  # the matrix stores float32

    def broadcast(name, per_date):
        computed.add(name)
        for t in tickers:
            values[name][t] = np.where(present[t], per_date, NAN)

    for name, source in [("mkt_rv_20", "rv_20"), ("mkt_rv_60", "rv_60"), ("mkt_ret_20", "ret_20d")]:
        broadcast(name, values[source][BENCHMARK] if BENCHMARK in tickers else np.full(nd, NAN))
    for name, source in [("breadth_50", "sma_ratio_50"), ("breadth_200", "sma_ratio_200")]:
        m = np.array([f32(values[source][t]) for t in universe])
        have = ~np.isnan(m)
        with np.errstate(invalid="ignore"):
            share = np.where(have.sum(axis=0) > 0, (have & (m > 0)).sum(axis=0) / have.sum(axis=0), NAN)
        broadcast(name, share)

    cross = [n for n in names if n.startswith("cs_")]
    for name in cross:
        source = re.sub(r"^cs_(rank|z)_", "", name)
        m = pd.DataFrame({t: f32(values[source][t]) for t in universe})  # rows = dates
        count = m.notna().sum(axis=1).to_numpy()
        if name.startswith("cs_rank_"):
            avg_rank = m.rank(axis=1, method="average").to_numpy()  # 1-based, ties averaged
            with np.errstate(invalid="ignore", divide="ignore"):
                out = np.where(count[:, None] >= 2, (avg_rank - 1) / (count[:, None] - 1), NAN)
        else:
            x = m.to_numpy()
            ok = ~np.isnan(x)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(ok, x, 0.0).sum(axis=1) / count  # population mean and std
                sd = np.sqrt(np.where(ok, (x - mean[:, None]) ** 2, 0.0).sum(axis=1) / count)
                out = np.where(sd[:, None] > 0, (x - mean[:, None]) / sd[:, None], 0.0)  # 0 if all equal
            out = np.where((count[:, None] >= 3) & ok, out, NAN)
        for j, t in enumerate(universe):
            values[name][t] = out[:, j]  # benchmark tickers keep NaN
        computed.add(name)

    # Every documented feature computed here, and nothing undocumented.
    assert computed == set(names), (set(names) - computed, computed - set(names))
    return dates, tickers, values, runs, adjusted, actions


# --- self-checks -----------------------------------------------------------------------------


def check_talib_kernels():
    """Our TA-Lib kernels against TA-Lib's own output (tests/features/fixtures/talib_*.csv: the
    last 260 adjusted bars of sample tickers, npm talib 2.0.5)."""
    actions = pd.read_csv(SAMPLE / "corporate_actions.csv", dtype={"date": str})
    worst = 0.0
    for path in sorted(FIXTURES.glob("talib_*.csv")):
        ticker = path.stem.split("_", 1)[1]
        expected = pd.read_csv(path, dtype={"date": str})
        raw = pd.read_csv(SAMPLE / f"{ticker}.csv.gz", dtype={"date": str}, float_precision="round_trip")
        splits = actions[(actions.ticker == ticker) & (actions.split_coefficient != 1)]
        bars = adjust(raw, list(zip(splits.date, splits.split_coefficient))).tail(len(expected))
        assert list(bars.date) == list(expected.date), ticker
        o, h, l_, c, v = (bars[f].to_numpy() for f in ["open", "high", "low", "close", "volume"])
        line, sig, hist = macd_talib(c)
        upper, mid, lower = bbands_talib(c)
        k, d = stoch_talib(h, l_, c)
        adx, pdi, mdi = adx_talib(h, l_, c)
        ours = {"sma_20": sma(c, 20), "ema_20": ema_talib(c, 20), "ema_50": ema_talib(c, 50),
                "rsi_7": rsi_talib(c, 7), "rsi_14": rsi_talib(c, 14), "macd_line": line,
                "macd_signal": sig, "macd_hist": hist, "bb_upper": upper, "bb_middle": mid,
                "bb_lower": lower, "atr_14": atr_talib(h, l_, c, 14), "natr_14": natr_talib(h, l_, c, 14),
                "stoch_k": k, "stoch_d": d, "willr_14": willr_talib(h, l_, c), "cci_20": cci_talib(h, l_, c),
                "adx_14": adx, "plus_di_14": pdi, "minus_di_14": mdi, "mfi_14": mfi_talib(h, l_, c, v),
                "obv": obv_talib(c, v)}
        assert set(ours) == set(expected.columns[1:]), set(expected.columns[1:]) ^ set(ours)
        for name, x in ours.items():
            want = expected[name].to_numpy(dtype=float)
            assert np.array_equal(np.isnan(x), np.isnan(want)), f"{ticker} {name}: warm-up differs from TA-Lib"
            ok = ~np.isnan(want)
            err = np.abs(x[ok] - want[ok]) / np.maximum(np.abs(want[ok]), 1e-12)
            worst = max(worst, err.max())
            assert err.max() < 1e-9, f"{ticker} {name}: {err.max():.3g} relative from TA-Lib"
    print(f"TA-Lib kernels match TA-Lib's output (worst {worst:.2g} relative)")


def check_lookbacks(features, values, runs, kinds):
    """On every run long enough, a time-series feature is NaN before its documented lookback
    and has a value at it."""
    for name, lookback in features:
        if kinds[name] != "ts":
            continue
        for t, ticker_runs in runs.items():
            for idx in ticker_runs:
                if len(idx) <= lookback:
                    continue
                s = values[name][t][idx]
                assert np.isnan(s[:lookback]).all(), f"{name} {t}: value before lookback {lookback}"
                assert not np.isnan(s[lookback]), f"{name} {t}: no value at lookback {lookback}"


# --- output ----------------------------------------------------------------------------------


def sample_rows(dates, tickers, runs, features, actions, values):
    """(ticker, panel date index) rows of the fixture."""
    lookbacks = sorted({lb for _, lb in features})
    nd = len(dates)
    rows = set()
    for t in tickers:
        life = range(runs[t][0][0], runs[t][-1][-1] + 1)
        for i in [life.start - 1, life.stop]:  # just outside the listing: NaN
            if 0 <= i < nd:
                rows.add((t, i))
        bars = np.concatenate(runs[t])
        for idx in runs[t]:
            for lb in lookbacks:  # warm-up edges of every run
                for k in [lb - 1, lb, lb + 1]:
                    if 0 <= k < len(idx):
                        rows.add((t, idx[k]))
            rows.update((t, i) for i in idx[:3])
        # missing days inside the listing (all NaN) and two bars each side
        for i in life:
            if np.isnan(values["day_of_week"][t][i]):
                rows.add((t, i))
                k = np.searchsorted(bars, i)
                rows.update((t, bars[j]) for j in range(max(k - 2, 0), min(k + 2, len(bars))))
        # splits and a few bars each side
        for d in actions[(actions.ticker == t) & (actions.split_coefficient != 1)].date:
            k = np.searchsorted(bars, np.searchsorted(dates, d))
            rows.update((t, bars[j]) for j in range(max(k - 3, 0), min(k + 3, len(bars))))
        rows.update((t, i) for i in range(0, nd, 7))  # every 7th date: all weekdays
        rows.update((t, i) for i in range(nd - 5, nd))
    return sorted(rows)


def write_fixture(dates, tickers, values, names, rows):
    out = io.StringIO()
    out.write(",".join(["ticker", "date"] + names) + "\n")
    for t, i in rows:
        cells = [t, dates[i]]
        for name in names:
            x = values[name][t][i]
            cells.append("" if np.isnan(x) else f"{x:.9g}")
        out.write(",".join(cells) + "\n")
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    write_gzip(OUTPUT, out.getvalue())
    return len(out.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--make-inputs", action="store_true", help="re-derive the inputs from data/sample first")
    args = parser.parse_args()
    if args.make_inputs:
        make_inputs()
    features = documented_features()
    names = [n for n, _ in features]
    assert len(names) == len(set(names)) and len(names) >= 95, len(names)
    check_talib_kernels()
    dates, tickers, values, runs, _, actions = compute(INPUT, features)
    kinds = {n: "cs" if n.startswith("cs_") else "mkt" if n.startswith(("mkt_", "breadth_")) else "ts" for n in names}
    check_lookbacks(features, values, runs, kinds)
    rows = sample_rows(dates, tickers, runs, features, actions, values)
    size = write_fixture(dates, tickers, values, names, rows)
    print(f"{OUTPUT}: {len(names)} features, {len(tickers)} tickers, {len(rows)} rows, "
          f"{len(dates)} panel dates, {size} bytes before gzip, {OUTPUT.stat().st_size} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
