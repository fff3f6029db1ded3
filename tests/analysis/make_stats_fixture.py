#!/usr/bin/python3
"""Writes the reference values that tests/analysis/stats_test.cpp checks the C++ statistics
against. An independent numpy implementation of the empyrical definitions documented in
docs/statistics.md, kept apart from the C++ code on purpose: the two must agree to 1e-10.

Run with Debian's numpy:  /usr/bin/python3 tests/analysis/make_stats_fixture.py [OUT_DIR]
It rewrites tests/analysis/fixtures/stats_expected.json (inputs and expected values; NaN is
written as null), which is committed, so the C++ test needs no Python. The series is drawn
from a seeded generator, so a rerun reproduces the same file byte for byte.
"""
import datetime
import json
import math
import pathlib
import sys

import numpy as np

DAYS_PER_YEAR = 252
CUTOFF = 0.05
ROLLING_WINDOW = 126
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


# ----- series -------------------------------------------------------------------------------
def business_days(start, count):
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def make_series(count=700, seed=20240601):
    rng = np.random.default_rng(seed)
    benchmark = rng.normal(0.0004, 0.011, count)
    # A strategy with beta ~0.8 to the benchmark, its own noise and a deep mid-series slump so
    # the drawdown has a distinct peak, trough and recovery.
    strategy = 0.8 * benchmark + rng.normal(0.0002, 0.007, count)
    strategy[200:260] -= 0.004
    # Round to 12 decimals so the CSV text is short and parses to exactly these doubles.
    return np.round(strategy, 12), np.round(benchmark, 12)


# ----- statistics (numpy only; NaN = a day without a return) --------------------------------
def valid(r):
    return r[~np.isnan(r)]


def total_return(r):
    if len(r) == 0:
        return math.nan
    return float(np.prod(1.0 + valid(r)) - 1.0)


def annual_return(r):
    if len(r) == 0:
        return math.nan
    growth = np.prod(1.0 + valid(r))
    return float(growth ** (DAYS_PER_YEAR / len(r)) - 1.0)


def annual_volatility(r):
    v = valid(r)
    if len(r) < 2 or len(v) < 2:
        return math.nan
    return float(np.std(v, ddof=1) * math.sqrt(DAYS_PER_YEAR))


def sharpe(r):
    v = valid(r)
    if len(r) < 2 or len(v) < 2 or np.all(v == v[0]):
        return math.nan
    return float(np.mean(v) / np.std(v, ddof=1) * math.sqrt(DAYS_PER_YEAR))


def downside_risk(r):
    v = valid(r)
    if len(v) == 0:
        return math.nan
    below = np.minimum(v, 0.0)
    return float(math.sqrt(np.mean(below * below)) * math.sqrt(DAYS_PER_YEAR))


def sortino(r):
    v = valid(r)
    if len(r) < 2 or len(v) == 0:
        return math.nan
    risk = downside_risk(r)
    if risk == 0:
        return math.nan
    return float(np.mean(v) * DAYS_PER_YEAR / risk)


def levels(r):
    # Wealth before the first return (1.0) and after each return; NaN counts as no change.
    return np.concatenate([[1.0], np.cumprod(1.0 + np.nan_to_num(r, nan=0.0))])


def drawdown_series(r):
    w = levels(r)
    peak = np.maximum.accumulate(w)
    return (w - peak) / peak


def max_drawdown(r):
    if len(r) == 0:
        return math.nan
    return float(np.min(drawdown_series(r)))


def drawdown_periods(r):
    """Underwater stretches as (peak, trough, recovery or None, depth) on level indices."""
    w = levels(r)
    periods, peak, i = [], 0, 1
    while i < len(w):
        if w[i] >= w[peak]:
            peak = i
            i += 1
            continue
        trough = i
        j = i
        while j < len(w) and w[j] < w[peak]:
            if w[j] < w[trough]:
                trough = j
            j += 1
        recovery = j if j < len(w) else None
        periods.append((peak, trough, recovery, (w[trough] - w[peak]) / w[peak]))
        if recovery is None:
            break
        peak, i = recovery, recovery + 1
    return periods


def drawdown_summary(r):
    periods = drawdown_periods(r)
    last = len(r)

    def describe(p):
        peak, trough, recovery, depth = p
        return {"peak": peak, "trough": trough,
                "recovery": -1 if recovery is None else recovery,
                "depth": float(depth),
                "duration": (last if recovery is None else recovery) - peak}

    if not periods:
        return None
    deepest = min(periods, key=lambda p: (p[3], p[0]))
    longest = max(periods, key=lambda p: (describe(p)["duration"], -p[0]))
    return {"max": describe(deepest), "longest": describe(longest)}


def calmar(r):
    dd = max_drawdown(r)
    if not dd < 0:
        return math.nan
    value = annual_return(r) / abs(dd)
    return math.nan if math.isinf(value) else float(value)


def value_at_risk(r):
    v = valid(r)
    if len(v) == 0:
        return math.nan
    return float(np.percentile(v, 100 * CUTOFF))


def conditional_value_at_risk(r):
    v = np.sort(valid(r))
    if len(v) == 0:
        return math.nan
    count = int((len(v) - 1) * CUTOFF) + 1
    return float(np.mean(v[:count]))


def paired(r, b):
    keep = ~(np.isnan(r) | np.isnan(b))
    return r[keep], b[keep]


def beta(r, b):
    rr, bb = paired(r, b)
    if len(r) < 2 or len(rr) == 0:
        return math.nan
    centred = bb - np.mean(bb)
    variance = np.mean(centred * centred)
    if variance < 1e-30:
        return math.nan
    return float(np.mean(centred * rr) / variance)


def alpha(r, b):
    rr, bb = paired(r, b)
    slope = beta(r, b)
    if len(r) < 2 or math.isnan(slope):
        return math.nan
    return float((1.0 + np.mean(rr - slope * bb)) ** DAYS_PER_YEAR - 1.0)


def information_ratio(r, b):
    rr, bb = paired(r, b)
    if len(r) < 2 or len(rr) < 2:
        return math.nan
    active = rr - bb
    if np.all(active == active[0]):
        return math.nan
    return float(np.mean(active) / np.std(active, ddof=1))


def rolling_sharpe(r, window):
    out = np.full(len(r), math.nan)
    for end in range(window, len(r) + 1):
        out[end - 1] = sharpe(r[end - window:end])
    return out


def monthly_returns(dates, r):
    months = {}
    for d, x in zip(dates, r):
        key = (d.year, d.month)
        months.setdefault(key, []).append(x)
    return [{"year": y, "month": m, "return": total_return(np.array(xs))}
            for (y, m), xs in sorted(months.items())]


def series_stats(r):
    return {
        "total_return": total_return(r),
        "annual_return": annual_return(r),
        "annual_volatility": annual_volatility(r),
        "sharpe": sharpe(r),
        "sortino": sortino(r),
        "downside_risk": downside_risk(r),
        "max_drawdown": max_drawdown(r),
        "calmar": calmar(r),
        "value_at_risk": value_at_risk(r),
        "conditional_value_at_risk": conditional_value_at_risk(r),
    }


def relative_stats(r, b):
    return {"alpha": alpha(r, b), "beta": beta(r, b), "information_ratio": information_ratio(r, b)}


def trade_stats(pnls):
    p = np.array(pnls, dtype=float)
    wins, losses = p[p > 0], p[p < 0]
    return {
        "trades": len(p),
        "wins": len(wins),
        "losses": len(losses),
        "win_rate": float(len(wins) / len(p)) if len(p) else math.nan,
        "profit_factor": float(wins.sum() / -losses.sum()) if len(losses) else math.nan,
        "average_win": float(wins.mean()) if len(wins) else math.nan,
        "average_loss": float(losses.mean()) if len(losses) else math.nan,
        "average_trade": float(p.mean()) if len(p) else math.nan,
    }


# ----- output -------------------------------------------------------------------------------
def to_json(value):
    """NaN has no JSON spelling: it is written as null, as Kestrel's own JSON does."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def main(out_dir):
    strategy, benchmark = make_series()
    dates = business_days(datetime.date(2021, 1, 4), len(strategy))

    with_nan = strategy.copy()
    with_nan[[0, 17, 18, 333, len(with_nan) - 1]] = np.nan
    benchmark_with_nan = benchmark.copy()
    benchmark_with_nan[[5, 18, 400]] = np.nan

    constant = np.full(40, 0.001)
    all_positive = np.abs(strategy[:60]) + 0.0005
    # A deep but quickly recovered drawdown, then a shallow one that never recovers and
    # lasts longer: the deepest and the longest underwater periods differ.
    two_drawdowns = np.array([0.05, -0.20, 0.30, 0.01, -0.05] + [0.001] * 30 + [-0.01])
    empty = np.array([], dtype=float)
    single = np.array([0.01])

    cases = {}

    def case(name, r, b):
        cases[name] = {"returns": r.tolist(), "benchmark": b.tolist(), "series": series_stats(r),
                       "drawdown": drawdown_summary(r), "relative": relative_stats(r, b)}

    case("main", strategy, benchmark)
    case("benchmark", benchmark, strategy)
    case("with_nan", with_nan, benchmark_with_nan)
    case("constant", constant, constant * 0.5)
    case("all_positive", all_positive, benchmark[:60])
    case("two_drawdowns", two_drawdowns, benchmark[:len(two_drawdowns)])
    case("empty", empty, empty)
    case("single", single, single)

    pnls = [float(x) for x in np.round(np.random.default_rng(7).normal(50, 400, 37), 2)]
    pnls += [0.0]  # a flat trade counts as a trade but neither a win nor a loss

    expected = {
        "generator": "tests/analysis/make_stats_fixture.py",
        "days_per_year": DAYS_PER_YEAR,
        "cutoff": CUTOFF,
        "cases": cases,
        "dates": [d.isoformat() for d in dates],
        "rolling_sharpe_window": ROLLING_WINDOW,
        "rolling_sharpe": rolling_sharpe(strategy, ROLLING_WINDOW).tolist(),  # of cases.main
        "monthly_returns": monthly_returns(dates, strategy),  # of cases.main
        "trade_pnls": pnls,
        "trade_stats": trade_stats(pnls),
    }

    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "stats_expected.json", "w") as f:
        json.dump(to_json(expected), f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES)
