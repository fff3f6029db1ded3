#!/usr/bin/env python3
"""Compare Kestrel's SMA-crossover backtest with Backtrader, trade by trade.

Both sides are prepared from the same per-ticker CSV files (date,open,high,low,close,adj_close,
volume): Kestrel through a generated TOML config and `kestrel backtest`, Backtrader through feeds
built here from the same rows. Both trade split- and dividend-adjusted prices (adj_close; open,
high, low scaled by adj_close / close, as docs/backtesting.md describes), decide after each
close, fill market orders at the next open, size an entry to floor(equity * weight / close) while
the cash left that evening covers it, and pay no commission or slippage; Kestrel's trade rules
and risk manager are switched off so that only the strategy trades. See
docs/backtrader-comparison.md for what is compared, the measured results and why the remaining
differences exist.

Backtrader is not a dependency of the repository: bring its source tree (it needs only the
standard library) and point the script at it; nothing of it is copied here.

    # Backtrader's source, once (any checkout of github.com/mementum/backtrader works)
    git clone https://github.com/mementum/backtrader /tmp/backtrader-src

    # the repository's sample data (data/sample, 20 stocks, trades 2011-2019)
    python3 bench/backtrader_compare.py --backtrader /tmp/backtrader-src

    # a subset of us-daily: 50 tickers spread over the alphabet, plus named ones
    BACKTRADER_SRC=/tmp/backtrader-src python3 bench/backtrader_compare.py \
        --data ../shared/data/us-daily --count 50 --tickers KMX,HWM,WELL

Options: --start/--end (trading window; earlier rows warm the averages up), --fast/--slow,
--weight (default 0.9 / number of tickers, at most 0.05, so that cash never runs out and
neither side has to trim or refuse an entry for cash), --cash, --max-gap, --kestrel (binary,
default build/release/kestrel), --out DIR (keep the generated configs, both sides' outputs and
trades, and the differences as CSV; default: a temporary folder that is removed),
--punch-holes (run on a copy of the files with rows removed from every second ticker so that
each gap convention is hit: an entry and an exit whose next session is missing, and a run of
max_gap + 3 missing sessions before a down cross), --no-emulate (skip run 3), --show N
(differing trades listed per ticker).

What runs:
  1. all selected tickers in one portfolio, Kestrel and plain Backtrader (bt.indicators.SMA +
     bt.indicators.CrossOver, market orders, the idiomatic strategy);
  2. the gap-free tickers alone in one portfolio, both sides (no knock-on from gap tickers
     through the shared equity): every trade must be identical;
  3. run 1 again in Backtrader with Kestrel's gap conventions emulated on top of the same
     Backtrader indicators and broker (a day order expires when the stock has no bar the next
     session; an exit that expired is sent again at the next close with a bar; more than
     --max-gap missing sessions restart the warm-up): it must match Kestrel trade for trade,
     which shows that those conventions explain every difference of run 1.

A ticker has a gap when it lacks a bar on a date where SPY (the calendar; --calendar) has one,
between its own first date and the end of the run, counting only the rows both sides read (from
--slow + 100 sessions before --start: older gaps cannot reach the averages).

In run 1 every differing trade is either direct (with the reason the script can tell: a
Kestrel DAY order that expired on a missing bar, a warm-up restart, a tie of the averages, a
buy trimmed or refused for cash, or UNEXPLAINED) or a verified knock-on: same dates and
prices, each side's shares are floor(own equity * weight / close) on the signal day, and the
equities differ because some ticker traded differently.

Exit status: 0 when run 2 is identical, every difference of run 1 in a gap-free ticker is a
verified knock-on and run 3 is identical; 1 when a gap-free ticker's trades differ (run 2, or a
direct difference in run 1, e.g. for cash with a large --weight); 4 when only run 3 differs (a
difference left unexplained); 2 on a usage error, 3 when Kestrel or Backtrader cannot run.

Python 3.11: Backtrader 1.9.78.123 (commit b853d7c of 2023-04-19, the newest on GitHub) imports
and runs on Python 3.11 unchanged, so no compatibility shim is applied; the script only checks
that `import backtrader` works from the given tree.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import gzip
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRICE_TOL = 2e-6  # Kestrel books prices in micro-dollars (rounded to 1e-6)


def fail(message):
    sys.stderr.write(f"backtrader_compare: {message}\n")
    sys.exit(3)


# ---------------------------------------------------------------------------------------------
# Data


def read_bars(path: Path):
    """Rows of one CSV (gzip or plain) as (date, open, high, low, close, adj_close, volume)."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if [h.strip().lower() for h in header[:7]] != ["date", "open", "high", "low", "close", "adj_close", "volume"]:
            fail(f"{path}: expected the columns date,open,high,low,close,adj_close,volume, got {header}")
        for r in reader:
            if not r:
                continue
            rows.append((dt.date.fromisoformat(r[0]), float(r[1]), float(r[2]), float(r[3]), float(r[4]), float(r[5]),
                         float(r[6])))
    return rows


def adjusted(rows):
    """Adjusted OHLC as Kestrel simulates: close = adj_close, open/high/low scaled by adj_close / close."""
    out = []
    for d, o, h, l, c, a, v in rows:
        f = a / c
        out.append((d, o * f, h * f, l * f, a, v))
    return out


def ticker_files(folder: Path):
    files = {}
    for p in sorted(folder.iterdir()):
        name = p.name
        for ext in (".csv.gz", ".csv"):
            if name.endswith(ext):
                t = name[: -len(ext)]
                if t not in ("universe", "corporate_actions", "quality_flags"):
                    files.setdefault(t, p)
    return files


def gaps_of(dates, sessions, end):
    """Missing sessions (calendar dates without a bar) between the ticker's first date and min(last, end)."""
    if not dates:
        return []
    have = set(dates)
    last = min(dates[-1], end)
    lo = bisect.bisect_left(sessions, dates[0])
    hi = bisect.bisect_right(sessions, last)
    return [s for s in sessions[lo:hi] if s not in have]


def gap_runs(missing, sessions):
    """Consecutive missing sessions grouped as (first, last, length)."""
    index = {s: i for i, s in enumerate(sessions)}
    runs = []
    for s in missing:
        if runs and index[s] == index[runs[-1][1]] + 1:
            runs[-1] = (runs[-1][0], s, runs[-1][2] + 1)
        else:
            runs.append((s, s, 1))
    return runs


def sma_crosses(closes, fast, slow):
    """(row index, +1 up / -1 down) of every cross over the rows' own bars, with Backtrader's tie rule."""
    out, side = [], 0
    for i in range(slow - 1, len(closes)):
        f = math.fsum(closes[i - fast + 1: i + 1]) / fast
        s = math.fsum(closes[i - slow + 1: i + 1]) / slow
        before = side
        if f != s:
            side = 1 if f > s else -1
        if before and side != before:
            out.append((i, side))
    return out


def punch_holes(files, tickers, dest: Path, a):
    """Copies the tickers' files to `dest`, removing rows from every second ticker so that each convention
    Kestrel has for gaps is hit: the session after an up cross (the entry expires), the session after the
    down cross that closes a held position (the exit expires and is sent again), and max_gap + 3 sessions
    in a row shortly before the down cross that closes a held position (the warm-up restarts, so Kestrel
    misses that cross). Tickers are rotated through the three kinds. Returns [(ticker, kind, removed dates)]."""
    dest.mkdir(parents=True, exist_ok=True)
    punched = []
    kinds = ("entry expiry", "exit expiry", "warm-up restart")
    for n, t in enumerate(tickers):
        src = files[t]
        opener = gzip.open if src.suffix == ".gz" else open
        with opener(src, "rt", newline="") as f:
            lines = f.read().splitlines()
        header, body = lines[0], [x for x in lines[1:] if x]
        if n % 2 == 0:
            kind = kinds[(n // 2) % 3]
            dates = [dt.date.fromisoformat(x.split(",", 1)[0]) for x in body]
            closes = [float(x.split(",")[5]) for x in body]
            crosses = [(i, c) for i, c in sma_crosses(closes, a.fast, a.slow) if a.start <= dates[i] < a.end]
            ups = [i for i, c in crosses if c > 0]
            drop = []
            if kind == "entry expiry" and ups:
                drop = [ups[0] + 1]
            elif kind == "exit expiry" and len(ups) > 1:
                downs = [i for i, c in crosses if c < 0 and i > ups[1]]
                drop = [downs[0] + 1] if downs else []
            elif kind == "warm-up restart" and len(ups) > 1:
                # shortly before the position's down cross: Backtrader sells on it, Kestrel is warming up again
                downs = [i for i, c in crosses if c < 0 and i > ups[1] + 30]
                if downs:
                    drop = list(range(downs[0] - 20, downs[0] - 20 + a.max_gap + 3))
            drop = [i for i in drop if i < len(body) and dates[i] <= a.end]
            if drop:
                punched.append((t, kind, [dates[i] for i in drop]))
                body = [x for i, x in enumerate(body) if i not in set(drop)]
        (dest / f"{t}.csv").write_text("\n".join([header] + body) + "\n")
    return punched


# ---------------------------------------------------------------------------------------------
# Kestrel


def kestrel_config(path: Path, data_dir: Path, tickers, a, calendar):
    q = lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = f"""# Generated by bench/backtrader_compare.py: SMA crossover with nothing else trading.
mode = "backtest"
name = "backtrader-compare"
seed = 1

[data]
csv_dir = {q(str(data_dir))}
tickers = [{", ".join(q(t) for t in tickers)}]
benchmark = {q(calendar)}
start = "{a.start.isoformat()}"
end = "{a.end.isoformat()}"

[portfolio]
initial_cash = {a.cash!r}
allow_short = false

[execution]
time_in_force = "day"
participation_cap = 0

[execution.slippage]
model = "none"

[execution.commission]
model = "none"

[rules]  # every trade rule off: only the strategy's orders trade
stop_loss = 0
breakeven_after = 0
trail = 0
time_stop_days = 0
max_positions = 1000000
min_position = 0

[risk]  # the risk manager off: no limit refuses or trims an order
enabled = false

[strategy]
type = "sma_crossover"
fast = {a.fast}
slow = {a.slow}
position_weight = {a.weight!r}
max_gap = {a.max_gap}
"""
    path.write_text(text)


def run_kestrel(a, data_dir: Path, tickers, work: Path, tag: str):
    cfg = work / f"kestrel-{tag}.toml"
    out = work / f"kestrel-{tag}"
    kestrel_config(cfg, data_dir, tickers, a, a.calendar)
    cmd = [str(a.kestrel), "backtest", "--config", str(cfg), "--out", str(out)]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        fail(f"cannot run {cmd[0]}: {e}")
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    secs = time.monotonic() - t0
    trades = []
    with open(out / "trades.csv", newline="") as f:
        for r in csv.DictReader(f):
            trades.append(dict(ticker=r["ticker"], entry=dt.date.fromisoformat(r["entry_date"]),
                               exit=dt.date.fromisoformat(r["exit_date"]), qty=int(r["quantity"]),
                               entry_price=float(r["entry_price"]), exit_price=float(r["exit_price"]),
                               reason=r["exit_reason"]))
    orders = []
    with open(out / "orders.csv", newline="") as f:
        for r in csv.DictReader(f):
            orders.append(dict(ticker=r["ticker"], side=r["side"], status=r["status"], reason=r["reason"],
                               submitted=dt.date.fromisoformat(r["submitted"]),
                               last=dt.date.fromisoformat(r["last_update"]), qty=int(r["quantity"]),
                               filled=int(r["filled_quantity"])))
    equity = {}
    with open(out / "equity.csv", newline="") as f:
        for r in csv.DictReader(f):
            equity[dt.date.fromisoformat(r["date"])] = float(r["equity"])
    return dict(trades=trades, orders=orders, equity=equity, final=equity[max(equity)] if equity else a.cash,
                seconds=secs, console=p.stdout.strip(), cmd=cmd, config=cfg)


# ---------------------------------------------------------------------------------------------
# Backtrader


def import_backtrader(path):
    if path:
        sys.path.insert(0, str(Path(path).resolve()))
    try:
        import backtrader as bt  # noqa: F401
    except ImportError as e:
        fail(f"cannot import backtrader from {path or 'sys.path'} ({e}); pass --backtrader PATH "
             "or set BACKTRADER_SRC to a source tree of github.com/mementum/backtrader")
    return bt


def run_backtrader(bt, a, feeds, calendar_rows, tickers, emulate: bool):
    """One Backtrader run over `tickers` (feeds: ticker -> adjusted rows); returns trades, events, equity."""

    class Rows(bt.feed.DataBase):
        params = (("rows", None),)

        def start(self):
            super().start()
            self._i = 0

        def _load(self):
            rows = self.p.rows
            if self._i >= len(rows):
                return False
            d, o, h, l, c, v = rows[self._i]
            self._i += 1
            self.lines.datetime[0] = bt.date2num(dt.datetime(d.year, d.month, d.day))
            self.lines.open[0] = o
            self.lines.high[0] = h
            self.lines.low[0] = l
            self.lines.close[0] = c
            self.lines.volume[0] = v
            self.lines.openinterest[0] = 0.0
            return True

    fast_n, slow_n, weight, max_gap, start = a.fast, a.slow, a.weight, a.max_gap, a.start

    class SmaCross(bt.Strategy):
        """The SMA crossover as a Backtrader user writes it; with `emulate`, Kestrel's gap conventions."""

        def __init__(self):
            self.cal = self.datas[0]  # the calendar feed (SPY), not traded
            self.stocks = self.datas[1:]
            self.fast = {d: bt.indicators.SMA(d.close, period=fast_n) for d in self.stocks}
            self.slow = {d: bt.indicators.SMA(d.close, period=slow_n) for d in self.stocks}
            self.cross = {d: bt.indicators.CrossOver(self.fast[d], self.slow[d]) for d in self.stocks}
            self.seen = {d: 0 for d in self.stocks}
            # Kestrel conventions (emulate): own bars since the last restart, side, missing run
            self.bars = {d: 0 for d in self.stocks}
            self.side = {d: 0 for d in self.stocks}
            self.missing = {d: 0 for d in self.stocks}
            self.working = {d: None for d in self.stocks}  # the order working for each stock
            self.entry = {}
            self.trades, self.events, self.equity = [], [], {}

        def prenext(self):
            self.next()

        def nextstart(self):
            self.next()

        def notify_order(self, order):
            d = order.data
            name = d._name
            when = bt.num2date(order.executed.dt).date() if order.executed.dt else None
            if order.status == order.Completed:
                if order.isbuy():
                    self.entry[d] = (when, order.executed.size, order.executed.price)
                else:
                    e_date, e_qty, e_price = self.entry.pop(d)
                    self.trades.append(dict(ticker=name, entry=e_date, exit=when, qty=int(round(e_qty)),
                                            entry_price=e_price, exit_price=order.executed.price, reason="signal"))
                self.working[d] = None
            elif order.status in (order.Margin, order.Rejected):
                self.events.append((name, bt.num2date(order.created.dt).date(), "buy" if order.isbuy() else "sell",
                                    "margin: not enough cash"))
                self.working[d] = None
            elif order.status in (order.Canceled, order.Expired):
                self.working[d] = None

        def next(self):
            today = self.today = self.cal.datetime.date(0)
            trading = today >= start
            equity = self.broker.getvalue()
            budget = self.broker.getcash()
            self.equity[today] = equity
            for d in self.stocks:
                has_bar = len(d) > self.seen[d] and d.datetime.date(0) == today
                if has_bar:
                    self.seen[d] = len(d)
                if emulate:
                    if not has_bar:
                        self.missing[d] += 1
                        if self.missing[d] > max_gap:
                            self.bars[d], self.side[d] = 0, 0
                        o = self.working[d]
                        if o is not None and o.alive() and trading:
                            # a DAY order expires when the stock has no bar in the session it could trade
                            self.cancel(o)
                            self.events.append((d._name, today, "buy" if o.isbuy() else "sell",
                                                "expired: no bar"))
                        continue
                    self.missing[d] = 0
                    self.bars[d] += 1
                    if self.bars[d] < slow_n:
                        continue
                    diff = self.fast[d][0] - self.slow[d][0]
                    before = self.side[d]
                    if diff != 0:
                        self.side[d] = 1 if diff > 0 else -1
                    up = self.side[d] > 0 and before < 0
                    down = self.side[d] < 0  # a sell is (re)sent while the position is held
                else:
                    if not has_bar:
                        continue
                    c = self.cross[d][0]
                    up, down = c > 0, c < 0
                if not trading:
                    continue
                held = self.getposition(d).size
                if up and held == 0:
                    close = d.close[0]
                    qty = math.floor(equity * weight / close)
                    cost = round(qty * close, 6)
                    if qty <= 0 or cost > budget:
                        continue
                    self.working[d] = self.buy(data=d, size=qty)
                    budget -= cost
                elif down and held > 0:
                    o = self.working[d]
                    if o is not None and o.alive():
                        continue
                    self.working[d] = self.sell(data=d, size=held)

        def stop(self):
            last = self.cal.datetime.date(0)
            for d in self.stocks:
                if d in self.entry:  # still open: reported like Kestrel's `end` trades, at the last close
                    e_date, e_qty, e_price = self.entry[d]
                    self.trades.append(dict(ticker=d._name, entry=e_date, exit=last, qty=int(round(e_qty)),
                                            entry_price=e_price, exit_price=d.close[0], reason="end"))
            self.ties = {}
            for d in self.stocks:
                f, s, ds = self.fast[d].array, self.slow[d].array, d.datetime.array
                self.ties[d._name] = [bt.num2date(ds[i]).date() for i in range(min(len(f), len(s), len(ds)))
                                      if not math.isnan(f[i]) and not math.isnan(s[i]) and f[i] == s[i]]

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.broker.setcash(a.cash)
    cerebro.broker.set_checksubmit(False)  # the strategy checks its own budget, as Kestrel's does
    cerebro.adddata(Rows(rows=calendar_rows, timeframe=bt.TimeFrame.Days), name="__calendar__")
    for t in tickers:
        cerebro.adddata(Rows(rows=feeds[t], timeframe=bt.TimeFrame.Days), name=t)
    cerebro.addstrategy(SmaCross)
    t0 = time.monotonic()
    strat = cerebro.run()[0]
    return dict(trades=strat.trades, events=strat.events, equity=strat.equity, final=cerebro.broker.getvalue(),
                ties=strat.ties, seconds=time.monotonic() - t0)


# ---------------------------------------------------------------------------------------------
# Comparison


def same_price(x, y):
    return abs(x - y) <= PRICE_TOL + 1e-9 * abs(y)


def pair_trades(kt, bt_):
    """Pairs one ticker's trades of both sides: by entry date, then by exit date. -> [(k or None, b or None)]."""
    k_left, b_left = list(kt), list(bt_)
    pairs = []
    for key in ("entry", "exit"):
        for k in list(k_left):
            for b in b_left:
                if b[key] == k[key]:
                    pairs.append((k, b))
                    k_left.remove(k)
                    b_left.remove(b)
                    break
    pairs += [(k, None) for k in k_left] + [(None, b) for b in b_left]
    pairs.sort(key=lambda p: (p[0] or p[1])["entry"])
    return pairs


def identical(k, b):
    return (k is not None and b is not None and k["entry"] == b["entry"] and k["exit"] == b["exit"]
            and k["qty"] == b["qty"] and same_price(k["entry_price"], b["entry_price"])
            and same_price(k["exit_price"], b["exit_price"]) and (k["reason"] == "end") == (b["reason"] == "end"))


def compare(kes, btr, tickers):
    by_k, by_b = defaultdict(list), defaultdict(list)
    for t in kes["trades"]:
        by_k[t["ticker"]].append(t)
    for t in btr["trades"]:
        by_b[t["ticker"]].append(t)
    result = {}
    for t in tickers:
        pairs = pair_trades(sorted(by_k[t], key=lambda x: x["entry"]), sorted(by_b[t], key=lambda x: x["entry"]))
        result[t] = pairs
    return result


def totals(cmp):
    n = same = diff = k_only = b_only = 0
    for pairs in cmp.values():
        for k, b in pairs:
            n += 1
            if identical(k, b):
                same += 1
            elif k is not None and b is not None:
                diff += 1
            elif k is not None:
                k_only += 1
            else:
                b_only += 1
    return dict(compared=n, identical=same, different=diff, kestrel_only=k_only, backtrader_only=b_only)


def knock_on(k, b, kes, btr, a, closes, sessions):
    """True when a pair differs only in shares and each side's shares are its own sizing rule on its own equity."""
    if k is None or b is None or k["entry"] != b["entry"] or k["exit"] != b["exit"]:
        return False
    if not (same_price(k["entry_price"], b["entry_price"]) and same_price(k["exit_price"], b["exit_price"])):
        return False
    t = k["ticker"]
    # the signal day: the ticker's previous bar before the entry
    own = closes[t]
    dates = own["dates"]
    i = bisect.bisect_left(dates, k["entry"]) - 1
    if i < 0:
        return False
    signal, close = dates[i], own["close"][i]
    ek, eb = kes["equity"].get(signal), btr["equity"].get(signal)
    if ek is None or eb is None or abs(ek - eb) < 0.005:
        return False
    return k["qty"] == math.floor(ek * a.weight / close) and b["qty"] == math.floor(eb * a.weight / close)


def explain(t, pairs, info, kes, btr, a, closes, sessions):
    """Why a ticker's trades differ, from what both runs recorded: (direct reasons, knock-on count, direct count)."""
    bad = [(k, b) for k, b in pairs if not identical(k, b)]
    knock = [(k, b) for k, b in bad if knock_on(k, b, kes, btr, a, closes, sessions)]
    direct = [(k, b) for k, b in bad if (k, b) not in knock]
    reasons = []
    if not direct:
        return reasons, len(knock), 0
    span = [x[key] for k, b in direct for x in (k, b) if x is not None for key in ("entry", "exit")]
    first, last = min(span), max(span)
    # a restart reaches `slow` own bars further: look that far (and a margin) before the first difference
    lo = sessions[max(0, bisect.bisect_left(sessions, first) - 2 * a.slow)]
    for o in kes["orders"]:
        if o["ticker"] == t and o["status"] == "expired":
            what = ("the entry is not chased (Backtrader's market order waits for the next bar)" if o["side"] == "buy"
                    else "the exit is sent again at the next close with a bar (Backtrader's fills at the next bar's open)")
            reasons.append(f"expiry on a missing bar: Kestrel's DAY {o['side']} of {o['submitted']} expired "
                           f"({o['reason']}); {what}")
    runs = [r for r in info["runs"] if r[2] > a.max_gap and lo <= r[1] and r[0] <= last]
    if runs:
        listed = ", ".join(f"{r[0]}" + (f"..{r[1]}" if r[2] > 1 else "") for r in runs[:4])
        reasons.append(f"warm-up restart: {len(runs)} run(s) of more than max_gap = {a.max_gap} missing sessions "
                       f"({listed}{' …' if len(runs) > 4 else ''}); Kestrel restarts its averages (no signal for "
                       f"{a.slow} bars, then a held position on the wrong side is sold), Backtrader's SMA "
                       f"averages across the gap")
    ties = [d for d in btr["ties"].get(t, []) if d >= a.start]
    if ties:
        reasons.append(f"tie: fast == slow in Backtrader on {', '.join(map(str, ties[:3]))}")
    cash = [o for o in kes["orders"] if o["ticker"] == t and "cash" in o["reason"]]
    cash += [e for e in btr["events"] if e[0] == t and e[3].startswith("margin")]
    if cash:
        reasons.append(f"cash: {len(cash)} order(s) trimmed (Kestrel) or refused (Backtrader) for cash")
    if not reasons:
        # a buy trimmed or refused for cash elsewhere leaves each side different cash for later evenings
        earlier = sorted([(o["submitted"], o["ticker"]) for o in kes["orders"] if "cash" in o["reason"]]
                         + [(e[1], e[0]) for e in btr["events"] if e[3].startswith("margin")])
        earlier = [x for x in earlier if x[0] <= first]
        if earlier:
            reasons.append(f"cash knock-on: after {earlier[0][1]}'s buy of {earlier[0][0]} was trimmed to the cash "
                           f"(Kestrel) or refused whole (Backtrader), the cash left each evening differs, so the "
                           f"budget check admits different entries")
    if not reasons:
        reasons.append("UNEXPLAINED")
    return reasons, len(knock), len(direct)


def fmt_trade(x):
    if x is None:
        return "-"
    return (f"{x['entry']}..{x['exit']} {x['qty']} sh @ {x['entry_price']:.6f} -> {x['exit_price']:.6f}"
            + (" (end)" if x["reason"] == "end" else ""))


def write_trades(path, trades):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ticker", "entry_date", "exit_date", "quantity", "entry_price", "exit_price", "exit_reason"])
        for t in sorted(trades, key=lambda x: (x["ticker"], x["entry"])):
            w.writerow([t["ticker"], t["entry"], t["exit"], t["qty"], f"{t['entry_price']:.6f}",
                        f"{t['exit_price']:.6f}", t["reason"]])


def write_diffs(path, cmp):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ticker", "kestrel", "backtrader"])
        for t, pairs in sorted(cmp.items()):
            for k, b in pairs:
                if not identical(k, b):
                    w.writerow([t, fmt_trade(k), fmt_trade(b)])


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO / "data" / "sample", help="folder of per-ticker CSVs")
    ap.add_argument("--tickers", default="", help="comma-separated tickers (default: every stock of --data)")
    ap.add_argument("--count", type=int, default=0,
                    help="pick N stocks spread evenly over the sorted list (added to --tickers)")
    ap.add_argument("--exclude", default="SPX,SPY", help="never traded (default SPX,SPY)")
    ap.add_argument("--calendar", default="SPY", help="ticker whose dates are the sessions (default SPY)")
    ap.add_argument("--backtrader", default=os.environ.get("BACKTRADER_SRC"),
                    help="Backtrader source tree (default: $BACKTRADER_SRC)")
    ap.add_argument("--kestrel", type=Path, default=REPO / "build" / "release" / "kestrel")
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2011, 1, 3))
    ap.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2019, 12, 31))
    ap.add_argument("--fast", type=int, default=50)
    ap.add_argument("--slow", type=int, default=200)
    ap.add_argument("--max-gap", type=int, default=5)
    ap.add_argument("--weight", type=float, default=0.0, help="position_weight (default min(0.05, 0.9/tickers))")
    ap.add_argument("--cash", type=float, default=1_000_000.0)
    ap.add_argument("--out", type=Path, default=None, help="keep configs, outputs and CSVs here")
    ap.add_argument("--punch-holes", action="store_true",
                    help="remove rows from every second ticker to hit each gap convention (a copy; see punch_holes)")
    ap.add_argument("--no-emulate", action="store_true", help="skip run 3 (Kestrel conventions in Backtrader)")
    ap.add_argument("--show", type=int, default=3, help="differing trades listed per ticker")
    a = ap.parse_args()

    if not a.backtrader:
        ap.error("pass --backtrader PATH or set BACKTRADER_SRC (a source tree of github.com/mementum/backtrader)")
    if not a.kestrel.exists():
        ap.error(f"no Kestrel binary at {a.kestrel} (build it, or pass --kestrel)")
    bt = import_backtrader(a.backtrader)
    data_dir = a.data.resolve()
    files = ticker_files(data_dir)
    if a.calendar not in files:
        ap.error(f"{data_dir} has no {a.calendar} file for the session calendar")
    excluded = set(x for x in a.exclude.split(",") if x) | {a.calendar}
    stocks = [t for t in files if t not in excluded]
    chosen = [t for t in a.tickers.split(",") if t]
    for t in chosen:
        if t not in files:
            ap.error(f"{data_dir} has no file for {t}")
    if a.count:
        n = len(stocks)
        step = n / min(a.count, n)
        chosen += [stocks[int(i * step)] for i in range(min(a.count, n))]
    tickers = sorted(set(chosen)) if chosen else stocks
    if not a.weight:
        a.weight = min(0.05, math.floor(0.9 / len(tickers) * 1e4) / 1e4)

    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="bt-compare-")) if a.out is None else a.out
    work.mkdir(parents=True, exist_ok=True)
    punched = []
    if a.punch_holes:
        holes = work / "data"
        punched = punch_holes(files, tickers, holes, a)
        for extra in [a.calendar] + [f for f in ("universe.csv", "corporate_actions.csv") if (data_dir / f).exists()]:
            src = files.get(extra, data_dir / extra)
            shutil.copy(src, holes / src.name)
        data_dir, files = holes, ticker_files(holes)
    cal_rows = [r for r in read_bars(files[a.calendar]) if r[0] <= a.end]
    sessions = [r[0] for r in cal_rows]
    start_i = bisect.bisect_left(sessions, a.start)
    warm_from = sessions[max(0, start_i - a.slow - 100)]  # enough own bars before --start for the averages
    feeds, closes, info = {}, {}, {}
    for t in tickers:
        rows = [r for r in read_bars(files[t]) if r[0] <= a.end]
        adj = adjusted(rows)
        feeds[t] = [r for r in adj if r[0] >= warm_from]
        closes[t] = dict(dates=[r[0] for r in adj], close=[r[4] for r in adj])
        all_missing = gaps_of([r[0] for r in rows], sessions, a.end)
        missing = [m for m in all_missing if m >= warm_from]  # in the rows the run reads
        info[t] = dict(missing=missing, all_missing=all_missing, runs=gap_runs(missing, sessions), rows=len(rows))
    cal_adj = [r for r in adjusted(cal_rows) if r[0] >= warm_from]
    gap_free = [t for t in tickers if not info[t]["missing"]]
    gappy = [t for t in tickers if info[t]["missing"]]

    try:
        # Run 1: every ticker in one portfolio.
        k1 = run_kestrel(a, data_dir, tickers, work, "all")
        b1 = run_backtrader(bt, a, feeds, cal_adj, tickers, emulate=False)
        c1 = compare(k1, b1, tickers)
        # Run 2: the gap-free tickers alone.
        if gappy and gap_free:
            k2 = run_kestrel(a, data_dir, gap_free, work, "gap-free")
            b2 = run_backtrader(bt, a, feeds, cal_adj, gap_free, emulate=False)
            c2 = compare(k2, b2, gap_free)
        else:
            k2, b2, c2 = k1, b1, {t: c1[t] for t in gap_free}
        # Run 3: Backtrader with Kestrel's gap conventions.
        b3 = c3 = None
        if not a.no_emulate:
            b3 = run_backtrader(bt, a, feeds, cal_adj, tickers, emulate=True)
            c3 = compare(k1, b3, tickers)

        for tag, k, b, c in (("all", k1, b1, c1), ("gap-free", k2, b2, c2)):
            write_trades(work / f"kestrel-{tag}-trades.csv", k["trades"])
            write_trades(work / f"backtrader-{tag}-trades.csv", b["trades"])
            write_diffs(work / f"diff-{tag}.csv", c)
        if b3 is not None:
            write_trades(work / "backtrader-emulated-trades.csv", b3["trades"])
            write_diffs(work / "diff-emulated.csv", c3)

        # ------------------------------------------------------------------ summary
        p = print
        p(f"Kestrel {a.kestrel} vs Backtrader {bt.__version__} ({Path(bt.__file__).resolve().parent.parent}), "
          f"Python {sys.version.split()[0]}")
        p(f"data {data_dir}: {len(tickers)} tickers, {a.start}..{a.end} (feeds from {warm_from}); "
          f"SMA {a.fast}/{a.slow}, position_weight {a.weight}, max_gap {a.max_gap}, cash {a.cash:,.0f}, "
          f"no costs, trade rules and risk manager off")
        p(f"gap-free {len(gap_free)}, with gaps {len(gappy)} (sessions missing vs {a.calendar} in the rows both "
          f"sides read, from max({warm_from}, first date) to {a.end}):")
        for t in gappy:
            m, runs = info[t]["missing"], info[t]["runs"]
            longest = max(r[2] for r in runs)
            shown = ", ".join(f"{r[0]}" + (f"..{r[1]} ({r[2]})" if r[2] > 1 else "") for r in runs[:5])
            p(f"  {t:6s} {len(m):3d} missing, longest run {longest}: {shown}{' …' if len(runs) > 5 else ''}")
        for t, kind, removed in punched:
            p(f"  punched {t}: {kind}, rows removed {removed[0]}" + (f"..{removed[-1]}" if len(removed) > 1 else ""))
        earlier = [t for t in gap_free if info[t]["all_missing"]]
        if earlier:
            p(f"  (gap-free here but with missing sessions before {warm_from}: {', '.join(earlier)})")

        def block(title, k, b, c):
            tt = totals(c)
            p(f"\n{title}")
            p(f"  trades compared {tt['compared']}: identical {tt['identical']}, different {tt['different']}, "
              f"only Kestrel {tt['kestrel_only']}, only Backtrader {tt['backtrader_only']}")
            p(f"  final equity: Kestrel {k['final']:,.2f}, Backtrader {b['final']:,.2f}, difference "
              f"{k['final'] - b['final']:+,.2f} ({(k['final'] / b['final'] - 1) * 100:+.4f}%)")
            p(f"  time: Kestrel {k['seconds']:.1f} s, Backtrader {b['seconds']:.1f} s")
            return tt

        status = 0
        block(f"Run 1: all {len(tickers)} tickers, Kestrel vs Backtrader (SMA + CrossOver)", k1, b1, c1)
        for group, names in (("gap-free", gap_free), ("with gaps", gappy)):
            tt = totals({t: c1[t] for t in names})
            p(f"  {group}: {tt['identical']} of {tt['compared']} trades identical")
        why = {t: explain(t, c1[t], info[t], k1, b1, a, closes, sessions) for t in tickers}
        roots = [t for t in tickers if why[t][2]]
        knock_only = []
        for t in tickers:
            bad = [(k, b) for k, b in c1[t] if not identical(k, b)]
            if not bad:
                continue
            reasons, n_knock, n_direct = why[t]
            kind = "gap-free" if t in gap_free else "gaps"
            if t in gap_free and n_direct:
                status = 1
            if not n_direct:
                knock_only.append(f"{t} {n_knock}")
                continue
            p(f"  {t} ({kind}): {len(bad)} of {len(c1[t])} trades differ, {n_direct} directly"
              + (f", {n_knock} knock-on" if n_knock else ""))
            for r in reasons:
                p(f"    why: {r}")
            direct = [(k, b) for k, b in bad if not knock_on(k, b, k1, b1, a, closes, sessions)]
            for k, b in direct[: a.show]:
                p(f"    Kestrel    {fmt_trade(k)}")
                p(f"    Backtrader {fmt_trade(b)}")
            if len(direct) > a.show:
                p(f"    … {len(direct) - a.show} more (diff-all.csv with --out)")
        n = sum(why[t][1] for t in tickers)
        if n:
            p(f"  knock-on ({n} trades): same dates and prices, shares sized on each side's own equity, which "
              f"differs once {', '.join(roots) or '?'} traded differently")
            if knock_only:
                p(f"    only knock-on differences: {', '.join(knock_only)}")

        if gappy and gap_free:
            block(f"Run 2: the {len(gap_free)} gap-free tickers alone", k2, b2, c2)
        else:
            p(f"\nRun 2: not needed (run 1 {'has no gap tickers' if not gappy else 'has no gap-free ticker'})")
        for t in gap_free:
            bad = [(k, b) for k, b in c2[t] if not identical(k, b)]
            if bad:
                status = 1
                p(f"  {t}: {len(bad)} of {len(c2[t])} trades differ")
                for k, b in bad[: a.show]:
                    p(f"    Kestrel    {fmt_trade(k)}")
                    p(f"    Backtrader {fmt_trade(b)}")
        if b3 is not None:
            block("Run 3: all tickers, Backtrader with Kestrel's gap conventions (DAY expiry, exit resend, "
                  f"warm-up restart after > {a.max_gap} missing sessions)", k1, b3, c3)
            for t in tickers:
                bad = [(k, b) for k, b in c3[t] if not identical(k, b)]
                if bad:
                    if status == 0:
                        status = 4
                    p(f"  {t}: {len(bad)} of {len(c3[t])} trades differ")
                    for k, b in bad[: a.show]:
                        p(f"    Kestrel    {fmt_trade(k)}")
                        p(f"    Backtrader {fmt_trade(b)}")
            expiries = [e for e in b3["events"] if e[3].startswith("expired")]
            k_exp = [o for o in k1["orders"] if o["status"] == "expired"]
            p(f"  expired day orders: Kestrel {len(k_exp)}, emulation {len(expiries)}")
        p(f"\nverdict: " + {0: "OK: gap-free tickers identical, every difference explained",
                             1: "FAIL: a gap-free ticker's trades differ",
                             4: "FAIL: differences left unexplained by the gap conventions"}[status]
          + f" ({time.monotonic() - t0:.0f} s)")
        if a.out is not None:
            p(f"outputs in {work}")
        return status
    finally:
        if a.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
